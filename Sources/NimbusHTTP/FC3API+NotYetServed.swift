import Hummingbird
import NimbusCore

extension FC3API {
    /// FC 3.0 operations Nimbus does not serve yet: a clear error instead of PathNotSupported.
    func registerNotYetServed(on api: RouterGroup<NimbusRequestContext>) {
        let acl = NimbusError(.notImplemented, "Nimbus does not share layers with other accounts: layers are private")
        api.put("layers/:layer/acl") { _, _ -> Response in throw acl }
    }

    /// FC 2.0's layer routes (the same control plane), plus GetLayerVersionByArn.
    func registerLayers(on api: RouterGroup<NimbusRequestContext>) {
        management.registerLayers(on: api)
        api.get("layerarn/:arn") { request, context in
            let record = try await control.layerVersion(arn: try ManagementAPI.parameter(context, "arn"))
            return FCResponse.json(management.layer(record, request))
        }
    }
}
