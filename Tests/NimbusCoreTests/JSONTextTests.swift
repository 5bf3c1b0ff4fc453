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
