import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NimbusCore
import NimbusRuntime

/// `POST .../invocations`: sync calls answer with the function's bytes; async calls are accepted with 202.
struct InvocationAPI: Sendable {
    static let syncPayloadLimit = 32 << 20
    static let asyncPayloadLimit = 128 << 10

    let runner: FunctionRunner

    func register(on api: RouterGroup<NimbusRequestContext>) {
        api.post("services/:service/functions/:function/invocations") { request, context in
            try await invoke(request, context)
        }
    }

    func invoke(_ request: Request, _ context: NimbusRequestContext) async throws -> Response {
        let (service, qualifier) = ManagementAPI.qualified(try ManagementAPI.parameter(context, "service"))
        let function = try ManagementAPI.parameter(context, "function")
        let deployment = try await runner.deployment(service: service, qualifier: qualifier, function: function)
        let isAsync = request.headers[Self.invocationType]?.lowercased() == "async"
        let limit = isAsync ? Self.asyncPayloadLimit : Self.syncPayloadLimit
        let payload = try await Self.collect(request, limit: limit)
        let call = InstanceCall(
            requestId: context.requestId, kind: .event(payload),
            wantsLogTail: request.headers[Self.logType]?.lowercased() == "tail")
        if isAsync {
            // In memory for now: the durable queue is its own piece of work.
            let runner = runner
            let logger = context.logger
            Task {
                do { _ = try await runner.run(deployment, call) } catch {
                    logger.warning("async invocation failed", metadata: ["error": "\(error)"])
                }
            }
            return Response(status: .accepted)
        }
        let reply = try await runner.run(deployment, call)
        return Self.response(reply, deployment: deployment, status: .ok)
    }

    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw NimbusError(.entityTooLarge, "payload size exceeds maximum allowed size (\(limit) bytes)")
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw NimbusError(.entityTooLarge, "payload size exceeds maximum allowed size (\(limit) bytes)")
        }
    }

    /// FC's invocation headers around a reply (fc-api spec 6.2).
    static func response(_ reply: InstanceReply, deployment: Supervisor.Deployment, status: HTTPResponse.Status)
        -> Response
    {
        var headers = HTTPFields()
        headers[.contentType] =
            reply.headers.first { $0.0.lowercased() == "content-type" }?.1 ?? "application/octet-stream"
        if let errorType = reply.errorType { headers[errorTypeHeader] = errorType }
        if let tail = reply.logTail { headers[logResult] = Data(tail.utf8).base64EncodedString() }
        headers[HTTPField.Name("x-fc-invocation-duration")!] = String(Int((reply.duration * 1000).rounded()))
        headers[HTTPField.Name("x-fc-max-memory-usage")!] = InvocationMessages.format(reply.maxMemoryMB)
        headers[HTTPField.Name("x-fc-invocation-service-version")!] = deployment.contract.versionId
        headers[HTTPField.Name("x-fc-instance-id")!] = reply.instanceId
        headers[HTTPField.Name("x-fc-code-checksum")!] = deployment.contract.function.code.checksum
        if let cold = reply.coldStart { headers[HTTPField.Name("x-nimbus-cold-start")!] = cold.header }
        headers[.accessControlExposeHeaders] =
            "Date,x-fc-request-id,x-fc-error-type,x-fc-code-checksum,x-fc-invocation-duration,"
            + "x-fc-max-memory-usage,x-fc-log-result,x-fc-invocation-code-version"
        return Response(status: status, headers: headers, body: .init(byteBuffer: reply.body))
    }

    static let invocationType = HTTPField.Name("x-fc-invocation-type")!
    static let logType = HTTPField.Name("x-fc-log-type")!
    static let logResult = HTTPField.Name("x-fc-log-result")!
    static let errorTypeHeader = HTTPField.Name("x-fc-error-type")!
}
