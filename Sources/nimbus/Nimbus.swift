import ArgumentParser

/// The `nimbus` command. Each subcommand is thin: it parses arguments and calls into `NimbusServer`.
@main
struct Nimbus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A self-hosted Function Compute (FC 2.0 API, 2016-08-15).",
        subcommands: [
            Serve.self, Build.self, Deploy.self, Invoke.self, Logs.self, Metrics.self, Instances.self, Services.self,
            Functions.self,
            Triggers.self, Remove.self, Init.self,
        ],
        defaultSubcommand: Serve.self)
}
