import Configuration
import Foundation
import NimbusCore
import NimbusEvents
import NimbusRuntime

/// Everything `nimbus serve` can be told. Keys are read from the command line first, then the
/// environment (`NIMBUS_` + the key in upper snake case), then these defaults.
///
/// | key | environment | default |
/// |---|---|---|
/// | `host` | `NIMBUS_HOST` | `127.0.0.1` |
/// | `port` | `NIMBUS_PORT` | `8080` |
/// | `https.port` | `NIMBUS_HTTPS_PORT` | none (HTTPS custom domains off) |
/// | `data.dir` | `NIMBUS_DATA_DIR` | `./.nimbus` |
/// | `region` | `NIMBUS_REGION` | `local` |
/// | `account.id` | `NIMBUS_ACCOUNT_ID` | generated |
/// | `access.key.id` | `NIMBUS_ACCESS_KEY_ID` | generated |
/// | `access.key.secret` | `NIMBUS_ACCESS_KEY_SECRET` | generated |
/// | `security.token` | `NIMBUS_SECURITY_TOKEN` | none |
/// | `instance.idle.timeout` | `NIMBUS_INSTANCE_IDLE_TIMEOUT` | `240` (seconds) |
/// | `instance.max.per.function` | `NIMBUS_INSTANCE_MAX_PER_FUNCTION` | none: only `instance.max` (FC caps no function unless its on-demand config does) |
/// | `instance.max` | `NIMBUS_INSTANCE_MAX` | `100` (all functions together) |
/// | `instance.standby` | `NIMBUS_INSTANCE_STANDBY` | `2` (per runtime; 0 disables) |
/// | `instance.queue.timeout` | `NIMBUS_INSTANCE_QUEUE_TIMEOUT` | `30` (seconds a call waits, then 429) |
/// | `instance.start.concurrency` | `NIMBUS_INSTANCE_START_CONCURRENCY` | the cores, at least 2 (instance processes starting at once) |
/// | `log.rate.limit` | `NIMBUS_LOG_RATE_LIMIT` | `16` (MB/s of output per instance, bursts of 4 s; 0 is no limit) |
/// | `sandbox` | `NIMBUS_SANDBOX` | `on` (`off` runs instances unsandboxed) |
/// | `bwrap` | `NIMBUS_BWRAP` | `/usr/bin/bwrap` |
/// | `python` | `NIMBUS_PYTHON` | `/usr/bin/python3` |
/// | `node` | `NIMBUS_NODE` | `/usr/bin/node` |
/// | `metering` | `NIMBUS_METERING` | `on` (`off` keeps no invocation records: for measuring their cost) |
/// | `warm.lane` | `NIMBUS_WARM_LANE` | `on` (`off` sends warm HTTP-trigger calls through the router: for measuring the lane) |
/// | `price.cu.usd` | `NIMBUS_PRICE_CU_USD` | `0.00002` (USD per compute unit, FC's first tier) |
/// | `price.billing.ms` | `NIMBUS_PRICE_BILLING_MS` | `1` (calls are billed in multiples of this) |
/// | `price.always.on.vcpu.hour` | `NIMBUS_PRICE_ALWAYS_ON_VCPU_HOUR` | `0.0236` (USD, the comparison server) |
/// | `price.always.on.gb.hour` | `NIMBUS_PRICE_ALWAYS_ON_GB_HOUR` | `0.0031` (USD per GB of memory per hour) |
/// | `async.concurrency` | `NIMBUS_ASYNC_CONCURRENCY` | `32` (async events running at once) |
/// | `async.retry.base` | `NIMBUS_ASYNC_RETRY_BASE` | `1` (seconds before the first retry; doubles) |
/// | `async.retention` | `NIMBUS_ASYNC_RETENTION` | `604800` (seconds finished events stay queryable) |
package struct NimbusConfiguration: Sendable {
    package var host = "127.0.0.1"
    package var port = 8080
    /// A second listener, TLS, for custom domains with `protocol` HTTPS; nil serves no HTTPS.
    package var httpsPort: Int?
    package var dataDirectory = "./.nimbus"
    package var region = "local"
    package var accountId: String?
    package var accessKeyId: String?
    package var accessKeySecret: String?
    package var securityToken: String?
    /// How instances run (idle timeout, instance cap, paths of interpreters).
    package var runtime = RuntimeConfiguration()
    /// `true` (default): instances must be sandboxed, and Nimbus refuses to start where it can't.
    /// `false` runs them as plain processes, an operator's explicit and unsafe choice.
    package var sandbox = true
    package var bubblewrapPath = "/usr/bin/bwrap"
    /// pasta (Debian: passt): instances' way out of their network namespaces.
    package var pastaPath = "/usr/bin/pasta"
    /// The async queue and timers (region and account are filled in from the credentials).
    package var events = EventsConfiguration()
    /// Metering's units and prices (FC's pay-as-you-go defaults).
    package var prices = PriceTable()
    /// `false` runs calls without invocation records (the metering benchmark's baseline).
    package var metering = true
    /// `false` answers every HTTP-trigger call through the router (the warm lane's benchmark baseline).
    package var warmLane = true

    package init() {}

    /// Reads the `nimbus.*` keys of a reader.
    package init(reader: ConfigReader) {
        let config = reader.scoped(to: "nimbus")
        host = config.string(forKey: "host", default: host)
        port = config.int(forKey: "port", default: port)
        httpsPort = config.int(forKey: "https.port")
        dataDirectory = config.string(forKey: "data.dir", default: dataDirectory)
        region = config.string(forKey: "region", default: region)
        accountId = config.string(forKey: "account.id")
        accessKeyId = config.string(forKey: "access.key.id")
        accessKeySecret = config.string(forKey: "access.key.secret", isSecret: true)
        securityToken = config.string(forKey: "security.token", isSecret: true)
        runtime.idleTimeout = config.double(forKey: "instance.idle.timeout", default: runtime.idleTimeout)
        runtime.maximumInstancesPerFunction = config.int(forKey: "instance.max.per.function")
        sandbox = config.string(forKey: "sandbox", default: "on").lowercased() != "off"
        bubblewrapPath = config.string(forKey: "bwrap", default: bubblewrapPath)
        pastaPath = config.string(forKey: "pasta", default: pastaPath)
        runtime.maximumInstances = config.int(forKey: "instance.max", default: runtime.maximumInstances)
        runtime.standbysPerRuntime = config.int(forKey: "instance.standby", default: runtime.standbysPerRuntime)
        runtime.queueTimeout = config.double(forKey: "instance.queue.timeout", default: runtime.queueTimeout)
        runtime.spawnConcurrency = config.int(forKey: "instance.start.concurrency", default: runtime.spawnConcurrency)
        runtime.logRateLimitMB = max(0, config.double(forKey: "log.rate.limit", default: runtime.logRateLimitMB))
        runtime.pythonPath = config.string(forKey: "python", default: runtime.pythonPath)
        runtime.nodePath = config.string(forKey: "node", default: runtime.nodePath)
        metering = config.string(forKey: "metering", default: "on").lowercased() != "off"
        warmLane = config.string(forKey: "warm.lane", default: "on").lowercased() != "off"
        prices.usdPerCU = config.double(forKey: "price.cu.usd", default: prices.usdPerCU)
        prices.billingGranularityMs = max(
            1, config.int(forKey: "price.billing.ms", default: prices.billingGranularityMs))
        prices.alwaysOnUSDPerVCPUHour = config.double(
            forKey: "price.always.on.vcpu.hour", default: prices.alwaysOnUSDPerVCPUHour)
        prices.alwaysOnUSDPerGBHour = config.double(
            forKey: "price.always.on.gb.hour", default: prices.alwaysOnUSDPerGBHour)
        events.concurrency = max(1, config.int(forKey: "async.concurrency", default: events.concurrency))
        events.retryBase = config.double(forKey: "async.retry.base", default: events.retryBase)
        events.retention = config.double(forKey: "async.retention", default: events.retention)
    }

    /// Command-line values first, then the process environment.
    package static func load(commandLine: [AbsoluteConfigKey: ConfigValue]) -> NimbusConfiguration {
        NimbusConfiguration(
            reader: ConfigReader(providers: [
                InMemoryProvider(name: "arguments", values: commandLine), EnvironmentVariablesProvider(),
            ]))
    }
}
