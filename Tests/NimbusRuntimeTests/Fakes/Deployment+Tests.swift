import Foundation
import NimbusCore

extension Deployment {
    /// Function `fn` of service `svc` at `LATEST`, with FC's defaults and what `configure` changes.
    static func forTests(
        runtime: String, etag: String, codeDirectory: URL, maximumInstances: Int? = nil,
        configure: (inout FunctionSpec) -> Void = { _ in }
    ) -> Deployment {
        var spec = FunctionSpec()
        spec.runtime = runtime
        configure(&spec)
        let meta = ResourceMeta(id: "f", name: "fn", createdTime: Date(), lastModifiedTime: Date(), etag: etag)
        var serviceMeta = meta
        serviceMeta.name = "svc"
        let contract = InstanceContract(
            service: ServiceRecord(meta: serviceMeta, spec: ServiceSpec().withDefaults()),
            function: FunctionRecord(
                meta: meta, serviceName: "svc", spec: spec.withDefaults(),
                code: CodeInfo(size: 0, checksum: "", digest: "")),
            qualifier: "LATEST", versionId: "LATEST", region: "local", accountId: "1")
        return Deployment(contract: contract, codeDirectory: codeDirectory, maximumInstances: maximumInstances)
    }
}
