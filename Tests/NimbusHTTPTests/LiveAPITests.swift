import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NimbusCore
import NimbusTesting
import Testing

/// The real server on port 0, driven over loopback the way an FC client drives it.
@Suite struct LiveAPITests {
    static func errorCode(_ response: TestResponse) throws -> String? {
        let body = try JSONDecoder().decode([String: String].self, from: Data(response.body.readableBytesView))
        #expect(body["ErrorMessage"]?.isEmpty == false)
        #expect(body["RequestId"] == response.headers[HTTPField.Name("x-fc-request-id")!])
        return body["ErrorCode"]
    }

    @Test func createReadUpdateDeleteAService() async throws {
        try await TestServer.withLiveServer { client in
            let created = try await client.signed(
                .post, "/2016-08-15/services", json: #"{"ServiceName":"web","description":"d"}"#)
            #expect(created.status == .ok)
            let etag = try #require(created.headers[.eTag])
            #expect(created.headers[HTTPField.Name("x-fc-request-id")!] != nil)

            let read = try await client.signed(.get, "/2016-08-15/services/web")
            let body = try JSONDecoder().decode(JSONValue.self, from: Data(read.body.readableBytesView))
            #expect(body["serviceName"] == .string("web"))
            #expect(body["internetAccess"] == .bool(true))
            #expect(body["logConfig"]?["logstore"] == .string(""))

            let updated = try await client.signed(
                .put, "/2016-08-15/services/web", json: #"{"description":"new"}"#, extra: [.ifMatch: etag])
            #expect(updated.status == .ok)
            #expect(updated.headers[.eTag] != etag)
            let stale = try await client.signed(.delete, "/2016-08-15/services/web", extra: [.ifMatch: etag])
            #expect(stale.status == .preconditionFailed)
            #expect(try Self.errorCode(stale) == "PreconditionFailed")
            #expect(try await client.signed(.delete, "/2016-08-15/services/web").status == .noContent)
            let gone = try await client.signed(.get, "/2016-08-15/services/web")
            #expect(gone.status == .notFound)
            #expect(try Self.errorCode(gone) == "ServiceNotFound")
        }
    }

    @Test func signaturesAreChecked() async throws {
        try await TestServer.withLiveServer { client in
            let unsigned = try await client.executeRequest(
                uri: "/2016-08-15/services", method: .get, headers: [:], body: nil)
            #expect(unsigned.status == .forbidden)
            let wrong = try await client.executeRequest(
                uri: "/2016-08-15/services", method: .get,
                headers: TestServer.signedHeaders(.get, "/2016-08-15/services", secret: "nope"), body: nil)
            #expect(try Self.errorCode(wrong) == "SignatureNotMatch")
            let skewed = try await client.executeRequest(
                uri: "/2016-08-15/services", method: .get,
                headers: TestServer.signedHeaders(.get, "/2016-08-15/services", date: Date().addingTimeInterval(-1200)),
                body: nil)
            #expect(try Self.errorCode(skewed) == "RequestTimeTooSkewed")
            let health = try await client.executeRequest(uri: "/health", method: .get, headers: [:], body: nil)
            #expect(health.status == .ok)
        }
    }

    @Test func badInputGetsFCErrors() async throws {
        try await TestServer.withLiveServer { client in
            let malformed = try await client.signed(.post, "/2016-08-15/services", json: "{not json")
            #expect(malformed.status == .badRequest)
            #expect(try Self.errorCode(malformed) == "InvalidArgument")
            let badName = try await client.signed(.post, "/2016-08-15/services", json: #"{"serviceName":"9lives"}"#)
            #expect(try Self.errorCode(badName) == "InvalidArgument")
            let unknown = try await client.signed(.get, "/2016-08-15/nothing-here")
            #expect(unknown.status == .badRequest)
            #expect(try Self.errorCode(unknown) == "PathNotSupported")
            let list = try await client.signed(.get, "/2016-08-15/services", query: "limit=1000")
            #expect(try Self.errorCode(list) == "InvalidArgument")
        }
    }

    @Test func codeIsServedBackThroughAnExpiringLink() async throws {
        try await TestServer.withLiveServer { client in
            _ = try await client.signed(.post, "/2016-08-15/services", json: #"{"serviceName":"s"}"#)
            let zip = Self.storedZip(name: "index.py", content: "def handler(e, c):\n    return e\n")
            let body =
                #"{"functionName":"f","runtime":"python3","handler":"index.handler","code":{"zipFile":"\#(zip.base64EncodedString())"}}"#
            let created = try await client.signed(.post, "/2016-08-15/services/s/functions", json: body)
            #expect(created.status == .ok)
            let function = try JSONDecoder().decode(JSONValue.self, from: Data(created.body.readableBytesView))
            #expect(function["codeChecksum"] == .string(String(CRC64.checksum(zip))))
            #expect(function["codeSize"] == .number(Double(zip.count)))

            let code = try await client.signed(.get, "/2016-08-15/services/s/functions/f/code")
            let link = try JSONDecoder().decode([String: String].self, from: Data(code.body.readableBytesView))
            let url = try #require(link["url"].flatMap(URL.init(string:)))
            let path = url.path + "?" + (url.query ?? "")
            let download = try await client.executeRequest(uri: path, method: .get, headers: [:], body: nil)
            #expect(download.status == .ok)
            #expect(Data(download.body.readableBytesView) == zip)
            let tampered = try await client.executeRequest(
                uri: path.replacingOccurrences(of: "signature=", with: "signature=0"), method: .get, headers: [:],
                body: nil)
            #expect(tampered.status == .forbidden)
        }
    }

    /// A one-file zip with the "stored" method, built by hand so the test needs no zip library.
    static func storedZip(name: String, content: String) -> Data {
        let nameBytes = Array(name.utf8)
        let data = Array(content.utf8)
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        crc ^= 0xFFFF_FFFF
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        let sizes = le32(crc) + le32(UInt32(data.count)) + le32(UInt32(data.count))
        let local =
            [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + sizes
            + le16(nameBytes.count) + le16(0) + nameBytes + data
        let central =
            [0x50, 0x4B, 0x01, 0x02] + le16(0x031E) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
            + sizes + le16(nameBytes.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0o100644 << 16) + le32(0)
            + nameBytes
        let end =
            [0x50, 0x4B, 0x05, 0x06] + le16(0) + le16(0) + le16(1) + le16(1) + le32(UInt32(central.count))
            + le32(UInt32(local.count)) + le16(0)
        return Data(local + central + end)
    }
}
