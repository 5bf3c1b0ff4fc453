/// The runtimes Nimbus can run, and how FC's runtime names map onto them.
package enum Runtime: String, Sendable, CaseIterable {
    case python3
    case nodejs
    case custom

    /// FC runtime names accepted on create and update.
    package static let acceptedNames: [String: Runtime] = [
        "python3": .python3, "python3.9": .python3, "python3.10": .python3, "python3.12": .python3,
        "nodejs12": .nodejs, "nodejs14": .nodejs, "nodejs16": .nodejs, "nodejs18": .nodejs, "nodejs20": .nodejs,
        // FC 3.0's custom runtimes on its Debian images run on this host's userland.
        "custom": .custom, "custom.debian10": .custom, "custom.debian11": .custom, "custom.debian12": .custom,
    ]

    package init(fcName: String) throws(NimbusError) {
        guard let runtime = Runtime.acceptedNames[fcName] else {
            let names = Runtime.acceptedNames.keys.sorted().joined(separator: ", ")
            throw .invalidArgument("runtime '\(fcName)' is not supported by Nimbus; supported runtimes: \(names)")
        }
        self = runtime
    }
}

extension FunctionSpec {
    /// Checks a complete (defaults applied) spec against FC's limits.
    package func validate() throws(NimbusError) {
        guard let runtime, !runtime.isEmpty else { throw .invalidArgument("field 'runtime' is required") }
        let kind = try Runtime(fcName: runtime)
        if kind != .custom {
            guard let handler, !handler.isEmpty else { throw .invalidArgument("field 'handler' is required") }
        }
        if let memorySize {
            try Validation.range(memorySize, "memorySize")
            guard memorySize % 64 == 0 else {
                throw .invalidArgument("memorySize \(memorySize) must be a multiple of 64 MB")
            }
        }
        for (value, field) in [
            (timeout, "timeout"), (initializationTimeout, "initializationTimeout"),
            (instanceConcurrency, "instanceConcurrency"), (caPort, "caPort"), (diskSize, "diskSize"),
        ] {
            try Validation.range(value, field)
        }
        if let cpu { _ = try Bounded.real(cpu, "cpu", in: Validation.cpuRange) }
        try Validation.environment(environmentVariables)
        if let instanceType, !["e1", "c1"].contains(instanceType) {
            throw .invalidArgument("instanceType '\(instanceType)' is not supported by Nimbus (use e1 or c1)")
        }
        for (hook, name) in [
            (instanceLifecycleConfig?.preFreeze, "preFreeze"), (instanceLifecycleConfig?.preStop, "preStop"),
        ] {
            try Validation.range(hook?.timeout, "instanceLifecycleConfig.\(name).timeout")
        }
    }
}
