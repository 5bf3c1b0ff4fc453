import Foundation
import NimbusCore
import Testing

@Suite struct JSONTextTests {
    @Test(arguments: [
        "plain", "", "quote \" and backslash \\", "lines\nand\r\ttabs", "control \u{01}\u{1F} bytes",
        "unicode: héllo 日本 🎉", "slash / stays", "\u{7F} delete",
    ])
    func stringsRoundTripThroughJSONDecoder(_ value: String) throws {
        var json = ""
        JSONText.appendString(value, to: &json)
        #expect(try JSONDecoder().decode(String.self, from: Data(json.utf8)) == value)
    }

    @Test func httpParamsDecodeToTheFieldsGiven() throws {
        let encoded = InstanceContract.httpParams(
            path: "/a \"b\"", requestURI: "/x?q=\\", method: "POST", clientIP: "::1", host: "h\u{01}")
        let fields = try JSONDecoder().decode([String: String].self, from: Data(base64Encoded: encoded)!)
        #expect(
            fields == [
                "path": "/a \"b\"", "requestURI": "/x?q=\\", "method": "POST", "clientIP": "::1", "host": "h\u{01}",
            ])
    }
}

@Suite struct RequestIDTests {
    @Test func requestIdsAreLowercaseVersion4UUIDsAndDistinct() {
        let ids = (0..<1000).map { _ in RequestID.make() }
        #expect(Set(ids).count == 1000)
        for id in ids.prefix(50) {
            #expect(UUID(uuidString: id) != nil && id == id.lowercased())
            let characters = Array(id)
            #expect(characters[14] == "4", "version 4")
            #expect("89ab".contains(characters[19]), "RFC 4122 variant")
        }
    }
}
