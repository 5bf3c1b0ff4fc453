/// The most on-demand instances one function may run, and where that number is set, so that a
/// throttled call can be told which cap was full and how to raise it.
///
/// FC caps no function by default: only its on-demand config's `maximumInstanceCount` does. Nimbus
/// adds an optional per-function setting and the platform cap (all functions together).
package struct InstanceCap: Sendable, Equatable {
    package enum Source: Sendable, Equatable {
        /// The function's on-demand config (`maximumInstanceCount`).
        case onDemandConfig
        /// The operator's cap for every function (`NIMBUS_INSTANCE_MAX_PER_FUNCTION`).
        case perFunctionSetting
        /// No cap of its own: the platform cap (`NIMBUS_INSTANCE_MAX`) is the only limit.
        case platform
    }

    package var limit: Int
    package var source: Source

    /// The function's on-demand config first, then the per-function setting, else the platform cap.
    package init(onDemand: Int?, perFunction: Int?, platform: Int) {
        if let onDemand {
            (limit, source) = (onDemand, .onDemandConfig)
        } else if let perFunction {
            (limit, source) = (perFunction, .perFunctionSetting)
        } else {
            (limit, source) = (platform, .platform)
        }
    }

    /// The 429 message for a call that waited `waited` seconds: the caps that were full (the
    /// function's with `instances` running, the platform's with `platformInstances`) and how to raise them.
    package func throttleMessage(
        function: String, waited: Int, instances: Int, platformInstances: Int, platformLimit: Int
    ) -> String {
        var full: [String] = []
        switch source {
        case .onDemandConfig where instances >= limit:
            full.append(
                "the function's on-demand config caps it at \(Self.instances(limit)) "
                    + "(raise maximumInstanceCount with PutOnDemandConfig)")
        case .perFunctionSetting where instances >= limit:
            full.append(
                "NIMBUS_INSTANCE_MAX_PER_FUNCTION caps every function at \(Self.instances(limit)) "
                    + "(raise or unset it, or give the function an on-demand config with a higher "
                    + "maximumInstanceCount)")
        default:
            break  // not full, or no cap of its own (the platform's is checked below)
        }
        if platformInstances >= platformLimit {
            full.append(
                "the platform cap of \(Self.instances(platformLimit)) of all functions together is reached "
                    + "(raise NIMBUS_INSTANCE_MAX)")
        }
        let waiting = "no instance of function '\(function)' became free within \(waited) s"
        guard !full.isEmpty else {
            return waiting + ": its \(Self.instances(instances)) all busy or still starting (no cap was reached)"
        }
        return waiting + ": " + full.joined(separator: "; and ")
    }

    static func instances(_ count: Int) -> String { count == 1 ? "1 instance" : "\(count) instances" }
}
