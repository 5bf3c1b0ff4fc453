import Hummingbird
import NimbusCore

extension ManagementAPI {
    /// Parts of the 2016-08-15 surface that Nimbus has nothing behind: they answer with the truth, empty lists.
    func registerNotYetServed(on api: RouterGroup<NimbusRequestContext>, version: APIVersion) {
        // 2021-04-06 renamed the path (fc3-api spec 7).
        let reserved = version == .fc20210406 ? "reserved-capacities" : "reservedCapacities"
        api.get(RouterPath(reserved)) { _, _ in FCResponse.json(["reservedCapacities": .array([])]) }
        guard version == .fc20210406 else { return }
        // VPC bindings: Nimbus has no VPCs. A service has none; binding one says why it cannot.
        api.get("services/:service/bindings") { _, context in
            _ = try await control.service(try Self.parameter(context, "service"))
            return FCResponse.json(["vpcIds": .array([])])
        }
        let noVPC = NimbusError(.notImplemented, "Nimbus has no VPCs: functions reach the network from the host")
        api.post("services/:service/bindings") { _, _ -> Response in throw noVPC }
        api.delete("services/:service/bindings/:vpcId") { _, _ -> Response in throw noVPC }
    }
}
