import ArgumentParser
import Configuration
import Foundation
import Logging
import NimbusCore
import NimbusServer

/// `nimbus serve`: runs the API on one listener until SIGINT or SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Nimbus server.")

    @Option(help: "Address to listen on (NIMBUS_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (NIMBUS_PORT; default 8080).")
    var port: Int?

    @Option(help: "A TLS port for custom domains with protocol HTTPS (NIMBUS_HTTPS_PORT; default: none).")
    var httpsPort: Int?

    @Option(help: "Where Nimbus keeps its database, code and credentials (NIMBUS_DATA_DIR; default ./.nimbus).")
    var dataDir: String?

    @Option(help: "Region name reported in ARNs and endpoints (NIMBUS_REGION; default local).")
    var region: String?

    func run() async throws {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        if let host { values["nimbus.host"] = .init(.string(host), isSecret: false) }
        if let port { values["nimbus.port"] = .init(.int(port), isSecret: false) }
        if let httpsPort { values["nimbus.https.port"] = .init(.int(httpsPort), isSecret: false) }
        if let dataDir { values["nimbus.data.dir"] = .init(.string(dataDir), isSecret: false) }
        if let region { values["nimbus.region"] = .init(.string(region), isSecret: false) }
        let configuration = NimbusConfiguration.load(commandLine: values)
        let logger = Logger(label: "nimbus")
        do {
            try await NimbusServer.run(configuration, logger: logger) { port, loaded in
                // Unbuffered, so that scripts reading a pipe see the endpoint at once.
                FileHandle.standardOutput.write(
                    Data((Banner.text(configuration: configuration, port: port, loaded: loaded) + "\n").utf8))
                let host = configuration.host == "0.0.0.0" ? "127.0.0.1" : configuration.host
                Profile(
                    endpoint: "http://\(host):\(port)", accessKeyId: loaded.credentials.accessKeyId,
                    accessKeySecret: loaded.credentials.accessKeySecret
                ).save()
            }
        } catch let error as NimbusError {
            // The message alone, on one line: it says what is wrong and how to fix it (a refused start).
            FileHandle.standardError.write(Data("nimbus: \(error.message)\n".utf8))
            throw ExitCode.failure
        }
    }
}
