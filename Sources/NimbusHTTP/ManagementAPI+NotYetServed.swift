import Hummingbird
import NimbusCore

extension ManagementAPI {
    /// Parts of the 2016-08-15 surface that Nimbus has nothing behind: they answer with the truth, empty lists.
    func registerNotYetServed(on api: RouterGroup<NimbusRequestContext>) {
        api.get("reservedCapacities") { _, _ in FCResponse.json(["reservedCapacities": .array([])]) }
        api.get("layers") { _, _ in FCResponse.json(["layers": .array([])]) }
    }
}
