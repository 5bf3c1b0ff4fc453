import Foundation
import PropertyBased
import Testing

@testable import NimbusCore

/// Generated hostile input for every decoder of the core: each returns a value or throws `NimbusError`,
/// and none traps (a trap here ends the test process, which fails the run loudly).
@Suite struct HostileInputTests {
    /// Numbers and values that buggy scripts send: past Int.max, below Int.min, 1e308, fractions, wrong types.
    static let hostileValues: [JSONValue] = [
        .number(9_223_372_036_854_775_808.0), .number(-9_223_372_036_854_775_809.0),
        .number(18_446_744_073_709_551_616.0),
        .number(1e308), .number(-1e308), .number(1e-320), .number(0), .number(-1), .number(1.5), .number(-0.0),
        .number(9_007_199_254_740_993), .number(Double.infinity), .number(-Double.infinity), .number(Double.nan),
        .number(2_147_483_648), .number(65536), .string(""), .string("9223372036854775808"), .string("1e308"),
        .string("x"), .bool(true), .null, .array([.number(1e308)]), .object(["a": .number(1e308)]),
    ]

    static let hostileValue = Gen.element(of: hostileValues).compactMap { $0 }

    /// Text fields (query strings, headers, path segments, cron fields) built from hostile pieces.
    static let hostileText = Gen.element(of: [
        "9223372036854775808", "-9223372036854775809", "99999999999999999999", "1e308", "inf", "nan", "-1", "0",
        "00", "", " ", "%00", "%", "..", "/", ":", "\u{0}", "é", "18446744073709551616", "1.5", "+1", "0x10", "*/0",
        "1-99999999999999999999", "@every", "s", "h", "GMT", "Mon,", "Jan", "24:00:00",
    ]).compactMap { $0 }.array(of: 0...7).map { $0.joined(separator: " ") }

    static func noTrap<T>(_ body: () throws(NimbusError) -> T) {
        // Reaching either branch is the property: the call returned instead of trapping.
        do throws(NimbusError) { _ = try body() } catch { #expect(!error.message.isEmpty) }
    }

    @Test func everyJSONNumberConvertsOrIsRefusedByName() async {
        await propertyCheck(input: Self.hostileValue, Gen.int(in: -1000...1000), Gen.int(in: 0...100_000)) {
            value, low, width in
            guard case .number(let number) = value else { return }
            let range = low...(low + width)
            do throws(NimbusError) {
                let whole = try number.integer("field", in: range)
                #expect(range.contains(whole))
            } catch {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains("field") && error.message.contains("\(range.upperBound)"))
            }
        }
    }

    @Test func functionBodiesDecodeOrNameTheField() async {
        let fields = [
            "memorySize", "timeout", "initializationTimeout", "instanceConcurrency", "caPort", "diskSize", "cpu",
            "gpuMemorySize", "instanceSoftConcurrency", "runtime", "handler", "environmentVariables", "layers",
        ]
        await propertyCheck(input: Gen.element(of: fields).compactMap { $0 }, Self.hostileValue) { field, value in
            var body: [String: JSONValue] = ["runtime": .string("python3"), "handler": .string("index.handler")]
            body[field] = value
            Self.noTrap { () throws(NimbusError) in
                try FCJSON.decode(FunctionSpec.self, from: body).withDefaults().validate()
            }
        }
    }

    @Test func configBodiesDecodeOrNameTheField() async {
        let fields = ["target", "maximumInstanceCount", "maxAsyncRetryAttempts", "maxAsyncEventAgeInSeconds"]
        let kinds = FunctionConfigRecord.Kind.allCases
        await propertyCheck(
            input: Gen.element(of: fields).compactMap { $0 }, Gen.element(of: kinds).compactMap { $0 },
            Self.hostileValue
        ) { field, kind, value in
            Self.noTrap { () throws(NimbusError) in try ControlPlane.validatedFields(kind, [field: value]) }
            // What a stored config reads back as never traps either, whatever was stored.
            _ = AsyncInvokePolicy(
                config: FunctionConfigRecord(
                    kind: kind, serviceName: "s", qualifier: "LATEST", functionName: "f", fields: [field: value],
                    createdTime: Date(), lastModifiedTime: Date()))
        }
    }

    @Test func destinationARNsParseOrAreRefused() async throws {
        // The live fuzz found `services/./functions/f`: a service part of dots only split into nothing.
        let pieces = Gen.element(of: ["acs:fc:r:1:", "services/", "functions/", ".", "..", "/", ":", "a", "v1", ""])
        await propertyCheck(input: pieces.compactMap { $0 }.array(of: 0...8)) { parts in
            let arn = parts.joined()
            Self.noTrap { () throws(NimbusError) in try DestinationARN.parse(arn) }
            Self.noTrap { () throws(NimbusError) in try DestinationARN.parse("acs:fc:r:1:services/\(arn)/functions/f") }
            let body: JSONValue = .object(["onFailure": .object(["destination": .string(arn)])])
            Self.noTrap { () throws(NimbusError) in
                try ControlPlane.validatedFields(.asyncInvoke, ["destinationConfig": body])
            }
        }
        for arn in [
            "acs:fc:r:1:services/./functions/f", "acs:fc:r:1:services/s./functions/f",
            "acs:fc:r:1:services/.v1/functions/f",
        ] {
            #expect(throws: NimbusError.self) { try DestinationARN.parse(arn) }
        }
        #expect(try DestinationARN.parse("acs:fc:r:1:services/s.v1/functions/f").qualifier == "v1")
    }

    @Test func aliasBodiesDecodeOrNameTheField() async {
        let fields = ["versionId", "additionalVersionWeight", "description"]
        await propertyCheck(input: Gen.element(of: fields).compactMap { $0 }, Self.hostileValue, Self.hostileValue) {
            field, value, weight in
            var body: [String: JSONValue] = ["versionId": .string("1")]
            body[field] = value
            if field == "additionalVersionWeight", value == .null { body[field] = .object(["2": weight]) }
            Self.noTrap { () throws(NimbusError) in
                let spec = try AliasSpec(fields: body, base: nil)
                try spec.validate()
                _ = spec.pick(0.5)
            }
        }
    }

    @Test func theIssueRequestNamesVersionId() {
        #expect(throws: NimbusError.invalidArgument("versionId must be an integer from 1 to \(Int.max)")) {
            try AliasSpec(
                fields: ["aliasName": .string("a"), "versionId": .number(9_223_372_036_854_775_808.0)], base: nil)
        }
    }

    @Test func requestBodiesOfAnyBytesParseOrAreRefused() async {
        let pieces = Gen.element(of: [
            "{", "}", "[", "]", "\"a\":", "1e999", "-", "9223372036854775808", ",", "null", "\u{FFFD}", "\\u0000",
        ]).compactMap { $0 }
        await propertyCheck(input: pieces.array(of: 0...40)) { parts in
            Self.noTrap { () throws(NimbusError) in try FCJSON.object(from: Array(parts.joined().utf8)) }
        }
        // Nesting deeper than any decoder's stack: refused, not a stack overflow.
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        Self.noTrap { () throws(NimbusError) in try FCJSON.object(from: Array("{\"a\":\(deep)}".utf8)) }
    }

    @Test func datesCronAndPagingParseOrAreRefused() async {
        await propertyCheck(input: Self.hostileText) { text in
            if let date = HTTPDate.parse(text) { #expect(date.timeIntervalSince1970 < Bounded.latestEpochSeconds) }
            _ = HTTPDate.parse("Mon, 02 Jan \(text) 15:04:05 GMT")
            _ = HTTPDate.parse("Mon, \(text) Jan 2023 \(text):04:05 GMT")
            Self.noTrap { () throws(NimbusError) in try CronSchedule(parsing: text).next(after: Date()) }
            Self.noTrap { () throws(NimbusError) in try CronSchedule(parsing: "@every \(text)").next(after: Date()) }
            Self.noTrap { () throws(NimbusError) in try CronSchedule(parsing: "\(text) * * * * *") }
            Self.noTrap { () throws(NimbusError) in try PageQuery(query: ["limit": text]) }
            Self.noTrap { () throws(NimbusError) in try Bounded.epoch(text, "since", scale: 1000) }
            _ = AgeText.seconds(text + "d")
        }
    }

    @Test func anEveryScheduleTheParserTakesPlansWithoutTrapping() async {
        await propertyCheck(input: Gen.element(of: ["1s", "8784h", "8785h", "1e400s", "99999999999999999999s"])) {
            text in
            guard let text, let schedule = try? CronSchedule(parsing: "@every \(text)") else { return }
            let now = Date()
            _ = TimerPlan.decide(schedule, anchor: .distantPast, now: now, runningSince: now)
        }
    }

    @Test func signaturesWithHostileHeadersAreRefused() async {
        let credentials = Credentials(accountId: "1", accessKeyId: "AK", accessKeySecret: "s", securityToken: nil)
        let names = Gen.element(of: ["authorization", "date", "content-md5", "x-fc-security-token", "x-fc-x"])
        await propertyCheck(input: names.compactMap { $0 }, Self.hostileText, Self.hostileText) { name, value, path in
            let request = FCSignature.Request(
                method: "GET", rawPath: "/2016-08-15/" + path, rawQuery: value,
                headers: [
                    ("authorization", "FC AK:" + value), ("date", "Mon, 02 Jan 2023 15:04:05 GMT"), (name, value),
                ])
            Self.noTrap { () throws(NimbusError) in
                try RequestAuthenticator(credentials: credentials).verify(request, now: Date())
            }
        }
    }
}
