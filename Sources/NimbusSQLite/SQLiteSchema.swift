import GRDB

/// The metadata schema, as named migration steps. Constraints live here, not only in code.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-services-functions-triggers") { db in
            try db.execute(
                sql: """
                    CREATE TABLE services (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 128),
                        spec TEXT NOT NULL CHECK (json_valid(spec)),
                        etag TEXT NOT NULL,
                        created_time DOUBLE NOT NULL,
                        modified_time DOUBLE NOT NULL
                    );
                    CREATE TABLE functions (
                        id TEXT PRIMARY KEY NOT NULL,
                        service_id TEXT NOT NULL REFERENCES services(id) ON DELETE RESTRICT,
                        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                        spec TEXT NOT NULL CHECK (json_valid(spec)),
                        code_size INTEGER NOT NULL CHECK (code_size >= 0),
                        code_checksum TEXT NOT NULL,
                        code_digest TEXT NOT NULL,
                        etag TEXT NOT NULL,
                        created_time DOUBLE NOT NULL,
                        modified_time DOUBLE NOT NULL,
                        UNIQUE (service_id, name)
                    );
                    CREATE TABLE triggers (
                        id TEXT PRIMARY KEY NOT NULL,
                        function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE RESTRICT,
                        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
                        spec TEXT NOT NULL CHECK (json_valid(spec)),
                        etag TEXT NOT NULL,
                        created_time DOUBLE NOT NULL,
                        modified_time DOUBLE NOT NULL,
                        UNIQUE (function_id, name)
                    );
                    """)
        }
        migrator.registerMigration("v2-tags-and-function-configs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE service_tags (
                        service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
                        key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
                        value TEXT NOT NULL,
                        PRIMARY KEY (service_id, key)
                    );
                    CREATE TABLE function_configs (
                        kind TEXT NOT NULL CHECK (kind IN ('provision', 'on-demand', 'async-invoke')),
                        function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
                        qualifier TEXT NOT NULL,
                        path TEXT NOT NULL,
                        service_name TEXT NOT NULL,
                        function_name TEXT NOT NULL,
                        fields TEXT NOT NULL CHECK (json_valid(fields)),
                        created_time DOUBLE NOT NULL,
                        modified_time DOUBLE NOT NULL,
                        PRIMARY KEY (kind, function_id, qualifier)
                    );
                    CREATE INDEX function_configs_by_path ON function_configs (kind, path);
                    """)
        }
        migrator.registerMigration("v3-async-events-and-timer-ticks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE async_events (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        invocation_id TEXT NOT NULL CHECK (length(invocation_id) BETWEEN 1 AND 128),
                        request_id TEXT NOT NULL,
                        service_name TEXT NOT NULL,
                        qualifier TEXT NOT NULL,
                        function_name TEXT NOT NULL,
                        source TEXT NOT NULL CHECK (source IN ('invoke', 'timer', 'destination')),
                        payload BLOB NOT NULL,
                        stateful INTEGER NOT NULL CHECK (stateful IN (0, 1)),
                        status TEXT NOT NULL
                            CHECK (status IN ('Enqueued', 'Running', 'Succeeded', 'Failed', 'Expired', 'Stopped')),
                        attempts INTEGER NOT NULL CHECK (attempts >= 0),
                        redeliveries INTEGER NOT NULL CHECK (redeliveries >= 0),
                        enqueued_time DOUBLE NOT NULL,
                        next_attempt_time DOUBLE NOT NULL,
                        started_time DOUBLE,
                        end_time DOUBLE,
                        instance_id TEXT,
                        duration_ms INTEGER,
                        error_message TEXT,
                        result BLOB,
                        destination_status TEXT,
                        parent TEXT CHECK (parent IS NULL OR json_valid(parent)),
                        history TEXT NOT NULL CHECK (json_valid(history)),
                        UNIQUE (service_name, function_name, invocation_id)
                    );
                    CREATE INDEX async_events_due ON async_events (next_attempt_time) WHERE status = 'Enqueued';
                    CREATE INDEX async_events_by_function ON async_events (service_name, function_name, seq);
                    CREATE INDEX async_events_finished ON async_events (end_time) WHERE end_time IS NOT NULL;
                    CREATE TABLE timer_ticks (
                        trigger_id TEXT PRIMARY KEY NOT NULL,
                        last_tick DOUBLE NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v4-versions-aliases-custom-domains") { db in
            try db.execute(
                sql: """
                    CREATE TABLE versions (
                        service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
                        version_id INTEGER NOT NULL CHECK (version_id > 0),
                        description TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,
                        snapshot TEXT NOT NULL CHECK (json_valid(snapshot)),
                        created_time DOUBLE NOT NULL,
                        PRIMARY KEY (service_id, version_id)
                    );
                    CREATE TABLE version_counters (
                        service_id TEXT PRIMARY KEY NOT NULL REFERENCES services(id) ON DELETE CASCADE,
                        last_version_id INTEGER NOT NULL
                    );
                    CREATE TABLE aliases (
                        id TEXT PRIMARY KEY NOT NULL,
                        service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
                        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
                        version_id INTEGER NOT NULL,
                        description TEXT NOT NULL,
                        weights TEXT NOT NULL CHECK (json_valid(weights)),
                        etag TEXT NOT NULL,
                        created_time DOUBLE NOT NULL,
                        modified_time DOUBLE NOT NULL,
                        UNIQUE (service_id, name)
                    );
                    CREATE TABLE custom_domains (
                        name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 253),
                        spec TEXT NOT NULL CHECK (json_valid(spec)),
                        created_time DOUBLE NOT NULL,
                        modified_time DOUBLE NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v5-invocation-records-and-usage-minutes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE invocation_records (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        request_id TEXT NOT NULL,
                        service_name TEXT NOT NULL,
                        function_name TEXT NOT NULL,
                        qualifier TEXT NOT NULL,
                        version_id TEXT NOT NULL,
                        trigger_kind TEXT NOT NULL CHECK (trigger_kind IN ('sync', 'async', 'http', 'timer')),
                        start_time DOUBLE NOT NULL,
                        duration_ms DOUBLE NOT NULL CHECK (duration_ms >= 0),
                        memory_limit_mb INTEGER NOT NULL,
                        memory_used_mb DOUBLE NOT NULL,
                        vcpu DOUBLE NOT NULL,
                        cold_start_ms DOUBLE,
                        instance_id TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        http_status INTEGER,
                        request_bytes INTEGER NOT NULL,
                        response_bytes INTEGER NOT NULL
                    );
                    CREATE INDEX invocation_records_by_function ON invocation_records (service_name, function_name, seq);
                    CREATE INDEX invocation_records_by_time ON invocation_records (start_time);
                    CREATE TABLE usage_minutes (
                        minute INTEGER NOT NULL,
                        service_name TEXT NOT NULL,
                        function_name TEXT NOT NULL,
                        qualifier TEXT NOT NULL,
                        rollup TEXT NOT NULL CHECK (json_valid(rollup)),
                        PRIMARY KEY (minute, service_name, function_name, qualifier)
                    );
                    CREATE INDEX usage_minutes_by_function ON usage_minutes (service_name, function_name, minute);
                    """)
        }
        // FC 3.0's concurrency configs join the function configs: SQLite changes a CHECK only by
        // rebuilding the table.
        migrator.registerMigration("v6-concurrency-configs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE function_configs_v6 (
                        kind TEXT NOT NULL
                            CHECK (kind IN ('provision', 'on-demand', 'async-invoke', 'concurrency')),
                        function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
                        qualifier TEXT NOT NULL,
                        path TEXT NOT NULL,
                        service_name TEXT NOT NULL,
                        function_name TEXT NOT NULL,
                        fields TEXT NOT NULL CHECK (json_valid(fields)),
                        created_time DOUBLE NOT NULL,
                        modified_time DOUBLE NOT NULL,
                        PRIMARY KEY (kind, function_id, qualifier)
                    );
                    INSERT INTO function_configs_v6 SELECT * FROM function_configs;
                    DROP TABLE function_configs;
                    ALTER TABLE function_configs_v6 RENAME TO function_configs;
                    CREATE INDEX function_configs_by_path ON function_configs (kind, path);
                    """)
        }
        // Layer versions: numbered per layer by a counter that outlives every version, so numbers are never reused.
        migrator.registerMigration("v7-layer-versions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE layer_versions (
                        layer_name TEXT NOT NULL CHECK (length(layer_name) BETWEEN 1 AND 64),
                        version INTEGER NOT NULL CHECK (version > 0),
                        description TEXT NOT NULL CHECK (length(description) <= 256),
                        compatible_runtime TEXT NOT NULL
                            CHECK (json_valid(compatible_runtime) AND json_type(compatible_runtime) = 'array'),
                        code_size INTEGER NOT NULL CHECK (code_size >= 0),
                        code_checksum TEXT NOT NULL,
                        code_digest TEXT NOT NULL CHECK (length(code_digest) = 64),
                        created_time DOUBLE NOT NULL,
                        PRIMARY KEY (layer_name, version)
                    );
                    CREATE TABLE layer_counters (
                        layer_name TEXT PRIMARY KEY NOT NULL,
                        last_version INTEGER NOT NULL CHECK (last_version > 0)
                    );
                    """)
        }
        return migrator
    }
}
