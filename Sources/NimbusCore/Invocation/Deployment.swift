import Foundation

/// A function as it is to be run: its contract, its code, and its instance cap. Its configuration's
/// generation (service and function ETags) changes whenever the configuration does.
package struct Deployment: Sendable {
    package var contract: InstanceContract
    package var codeDirectory: URL
    /// The function's on-demand `maximumInstanceCount`, when it has one.
    package var maximumInstances: Int?
    /// FC 3.0's `reservedConcurrency`: calls at once across all the function's versions, when set.
    package var reservedConcurrency: Int?

    package init(
        contract: InstanceContract, codeDirectory: URL, maximumInstances: Int? = nil, reservedConcurrency: Int? = nil
    ) {
        self.contract = contract
        self.codeDirectory = codeDirectory
        self.maximumInstances = maximumInstances
        self.reservedConcurrency = reservedConcurrency
    }
}
