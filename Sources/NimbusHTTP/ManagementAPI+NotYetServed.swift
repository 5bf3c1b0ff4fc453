import Hummingbird
import NimbusCore

extension ManagementAPI {
    /// Parts of the 2016-08-15 surface that Nimbus has nothing behind: they answer with the truth, empty lists.
    func registerNotYetServed(on api: RouterGroup<NimbusRequestContext>, version: APIVersion) {
        // 2021-04-06 renamed the path (fc3-api spec 7).
        let reserved = version == .fc20210406 ? "reserved-capacities" : "reservedCapacities"
        api.get(RouterPath(reserved)) { _, _ in FCResponse.json(["reservedCapacities": .array([])]) }
        api.get("layers") { _, _ in FCResponse.json(["layers": .array([])]) }
    }
}
