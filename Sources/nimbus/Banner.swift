import NimbusCore
import NimbusServer

/// What `nimbus serve` prints once it listens: the endpoint, and on first start the generated keys.
enum Banner {
    static func text(configuration: NimbusConfiguration, port: Int, loaded: CredentialsFile.Loaded) -> String {
        let host = configuration.host == "0.0.0.0" ? "127.0.0.1" : configuration.host
        let endpoint = "http://\(host):\(port)"
        let credentials = loaded.credentials
        var lines = [
            "Nimbus is listening on \(endpoint) (region \(configuration.region), account \(credentials.accountId))",
            "Console: \(endpoint)/console (log in with the key pair, or this run's token \(loaded.consoleToken))",
        ]
        guard loaded.generated else {
            lines.append("Credentials: \(configuration.dataDirectory)/credentials.json")
            return lines.joined(separator: "\n")
        }
        lines += [
            "",
            "Generated credentials (shown once; kept in \(configuration.dataDirectory)/credentials.json, mode 0600):",
            "  AccessKeyId:     \(credentials.accessKeyId)",
            "  AccessKeySecret: \(credentials.accessKeySecret)",
            "",
            "Python SDK (pip install aliyun-fc2):",
            "  import fc2",
            "  client = fc2.Client(endpoint='\(endpoint)',",
            "                      accessKeyID='\(credentials.accessKeyId)',",
            "                      accessKeySecret='\(credentials.accessKeySecret)')",
            "  print(client.list_services().data)",
        ]
        return lines.joined(separator: "\n")
    }
}
