import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NimbusCore
import NimbusTesting
import Testing

/// The 2021-04-06 prefix on a live server, signed with ACS3: the same control plane as 2016-08-15, with the
/// differences of fc3-api spec 7.
@Suite struct API20210406Tests {
    static func json(_ response: TestResponse) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
    }

    static let api = "/2021-04-06"
    static let zip = Data(base64Encoded: "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==")!

    @Test func servicesFunctionsAndQualifiersThroughTheQuery() async throws {
        try await TestServer.withLiveServer { client in
            let created = try await client.signed(
                .post, "\(Self.api)/services", scheme: .acs3, json: #"{"serviceName":"s21"}"#)
            #expect(created.status == .ok)
            let function = try await client.signed(
                .post, "\(Self.api)/services/s21/functions", scheme: .acs3,
                json:
                    #"{"functionName":"f","runtime":"custom","handler":"h","code":{"zipFile":"\#(Self.zip.base64EncodedString())"}}"#
            )
            #expect(function.status == .ok, "\(String(buffer: function.body))")
            // UpdateFunction sends `InstanceConcurrency` capitalised.
            let updated = try await client.signed(
                .put, "\(Self.api)/services/s21/functions/f", scheme: .acs3,
                json: #"{"InstanceConcurrency":3,"description":"v1"}"#)
            #expect(try Self.json(updated)["instanceConcurrency"] == .number(3))
            // The same record through the other prefix and the other scheme.
            let seen = try await client.signed(.get, "/2016-08-15/services/s21/functions/f")
            #expect(try Self.json(seen)["description"] == .string("v1"))
            let published = try await client.signed(
                .post, "\(Self.api)/services/s21/versions", scheme: .acs3, json: "{}")
            let version = try #require(try Self.json(published)["versionId"]?.stringValue)
            _ = try await client.signed(
                .put, "\(Self.api)/services/s21/functions/f", scheme: .acs3, json: #"{"description":"v2"}"#)
            let atVersion = try await client.signed(
                .get, "\(Self.api)/services/s21/functions/f", scheme: .acs3, query: "qualifier=\(version)")
            #expect(try Self.json(atVersion)["description"] == .string("v1"))
            let latest = try await client.signed(.get, "\(Self.api)/services/s21/functions/f", scheme: .acs3)
            #expect(try Self.json(latest)["description"] == .string("v2"))
            let missing = try await client.signed(
                .get, "\(Self.api)/services/s21/functions/f", scheme: .acs3, query: "qualifier=nope")
            #expect(missing.status == .notFound)
            let error = try Self.json(missing)
            // Both error shapes: the 2021 SDK reads Code/Message/RequestId, 2016 clients ErrorCode/ErrorMessage.
            #expect(error["Code"] == error["ErrorCode"] && error["Code"] == .string("AliasNotFound"))
            #expect(error["Message"] != nil && error["ErrorMessage"] != nil && error["RequestId"] != nil)
        }
    }

    @Test func triggerConfigIsAStringOnThisPrefix() async throws {
        try await TestServer.withLiveServer { client in
            _ = try await client.signed(.post, "\(Self.api)/services", scheme: .acs3, json: #"{"serviceName":"t21"}"#)
            _ = try await client.signed(
                .post, "\(Self.api)/services/t21/functions", scheme: .acs3,
                json:
                    #"{"functionName":"f","runtime":"custom","handler":"h","code":{"zipFile":"\#(Self.zip.base64EncodedString())"}}"#
            )
            let config = #"{\"authType\": \"anonymous\", \"methods\": [\"GET\"]}"#
            let created = try await client.signed(
                .post, "\(Self.api)/services/t21/functions/f/triggers", scheme: .acs3,
                json: #"{"triggerName":"web","triggerType":"http","triggerConfig":"\#(config)"}"#)
            #expect(created.status == .ok, "\(String(buffer: created.body))")
            guard case .string(let text)? = try Self.json(created)["triggerConfig"] else {
                Issue.record("triggerConfig is not a string: \(String(buffer: created.body))")
                return
            }
            let parsed = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(parsed["authType"] == .string("anonymous"))
            // An object is accepted too; 2016-08-15 prints the object.
            let updated = try await client.signed(
                .put, "\(Self.api)/services/t21/functions/f/triggers/web", scheme: .acs3,
                json: #"{"triggerConfig":{"authType":"function","methods":["GET","POST"]}}"#)
            #expect(updated.status == .ok)
            let old = try await client.signed(.get, "/2016-08-15/services/t21/functions/f/triggers/web")
            #expect(try Self.json(old)["triggerConfig"]?["authType"] == .string("function"))
            let listed = try await client.signed(.get, "\(Self.api)/services/t21/functions/f/triggers", scheme: .acs3)
            guard case .array(let triggers)? = try Self.json(listed)["triggers"], let first = triggers.first else {
                Issue.record("no triggers listed: \(String(buffer: listed.body))")
                return
            }
            #expect(first["triggerConfig"]?.stringValue?.contains("function") == true)
            let bad = try await client.signed(
                .put, "\(Self.api)/services/t21/functions/f/triggers/web", scheme: .acs3,
                json: #"{"triggerConfig":"[1"}"#)
            #expect(bad.status == .badRequest)
        }
    }

    @Test func untagWithPut() async throws {
        try await TestServer.withLiveServer { client in
            _ = try await client.signed(.post, "\(Self.api)/services", scheme: .acs3, json: #"{"serviceName":"g21"}"#)
            let arn = "acs:fc:cn-hangzhou:\(TestServer.credentials.accountId):services/g21"
            let tagged = try await client.signed(
                .post, "\(Self.api)/tag", scheme: .acs3, json: #"{"resourceArn":"\#(arn)","tags":{"a":"1","b":"2"}}"#)
            #expect(tagged.status == .ok, "\(String(buffer: tagged.body))")
            let untagged = try await client.signed(
                .put, "\(Self.api)/tag", scheme: .acs3, json: #"{"resourceArn":"\#(arn)","tagKeys":["a"],"all":false}"#)
            #expect(untagged.status == .ok, "\(String(buffer: untagged.body))")
            let read = try await client.signed(
                .get, "\(Self.api)/tag", scheme: .acs3,
                query: "resourceArn=\(arn.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            #expect(try Self.json(read)["tags"] == .object(["b": .string("2")]))
        }
    }

    @Test func aReplayedOrTamperedACS3RequestIsRefused() async throws {
        try await TestServer.withLiveServer { client in
            let headers = TestServer.acs3Headers(.post, "\(Self.api)/services", body: #"{"serviceName":"r21"}"#)
            let first = try await client.executeRequest(
                uri: "\(Self.api)/services", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"serviceName":"r21"}"#))
            #expect(first.status == .ok)
            let replay = try await client.executeRequest(
                uri: "\(Self.api)/services", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"serviceName":"r21"}"#))
            #expect(replay.status == .forbidden)
            #expect(try Self.json(replay)["Code"] == .string("SignatureNonceUsed"))
            let changed = TestServer.acs3Headers(.post, "\(Self.api)/services", body: #"{"serviceName":"ok"}"#)
            let tampered = try await client.executeRequest(
                uri: "\(Self.api)/services", method: .post, headers: changed,
                body: ByteBuffer(string: #"{"serviceName":"evil"}"#))
            #expect(try Self.json(tampered)["Code"] == .string("SignatureNotMatch"))
            let evil = try await client.signed(.get, "\(Self.api)/services/evil", scheme: .acs3)
            #expect(evil.status == .notFound, "a body changed after signing must have no effect")
        }
    }

    @Test func hostileACS3HeadersAreRefusedWithAnFCError() async throws {
        try await TestServer.withLiveServer { client in
            let valid = TestServer.acs3Headers(.get, "\(Self.api)/services")
            let authorization = try #require(valid[.authorization])
            var variants: [HTTPFields] = []
            for value in [
                "ACS3-HMAC-SHA256", "ACS3-HMAC-SHA256 ", "ACS3-HMAC-SHA256 ,,,", "ACS3-HMAC-SHA256 Credential==",
                "ACS3-HMAC-SHA256 Credential=\u{7F},SignedHeaders=;,Signature=%",
                authorization.replacingOccurrences(of: "Signature=", with: "Signature=zz"),
                authorization + ",Signature=00", String(repeating: "ACS3-HMAC-SHA256 ", count: 500),
            ] {
                var headers = valid
                headers[.authorization] = value
                variants.append(headers)
            }
            for (name, value) in [
                ("x-acs-date", "9999-99-99T99:99:99Z"), ("x-acs-date", "-9223372036854775808"),
                ("x-acs-content-sha256", String(repeating: "g", count: 64)), ("x-acs-signature-nonce", ""),
                ("x-acs-security-token", "\u{0}"),
            ] {
                var headers = valid
                headers[HTTPField.Name(name)!] = value
                variants.append(headers)
            }
            for headers in variants {
                let response = try await client.executeRequest(
                    uri: "\(Self.api)/services", method: .get, headers: headers, body: nil)
                #expect((400..<500).contains(response.status.code), "\(headers)")
                #expect(try Self.json(response)["Code"] != nil, "\(headers)")
            }
            #expect(try await client.signed(.get, "\(Self.api)/services", scheme: .acs3).status == .ok)
        }
    }
}
