import Hummingbird
import NimbusCore

extension FC3API {
    /// FC 3.0 operations Nimbus does not serve yet: a clear error instead of PathNotSupported.
    func registerNotYetServed(on api: RouterGroup<NimbusRequestContext>) {
        let layers = NimbusError(
            .notImplemented, "layers are not served by Nimbus yet; put dependencies in the code package")
        for path in ["layers", "layers/:layer/versions", "layers/:layer/versions/:version", "layerarn/:arn"] {
            api.get(RouterPath(path)) { _, _ -> Response in throw layers }
        }
        api.post("layers/:layer/versions") { _, _ -> Response in throw layers }
        api.delete("layers/:layer/versions/:version") { _, _ -> Response in throw layers }
        api.put("layers/:layer/acl") { _, _ -> Response in throw layers }
    }
}
