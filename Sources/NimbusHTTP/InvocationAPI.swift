import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NimbusCore
import NimbusInvocation

/// `POST .../invocations`: sync calls answer with the function's bytes; async calls are accepted with 202
/// once the event is committed to the durable queue.
struct InvocationAPI: Sendable {
    static let syncPayloadLimit = 32 << 20
    static let asyncPayloadLimit = 128 << 10

    let runner: FunctionRunner
    let events: any AsyncInvocationQueue

    func register(on api: RouterGroup<NimbusRequestContext>) {
        api.post("services/:service/functions/:function/invocations") { request, context in
            try await invoke(request, context)
        }
    }

    func invoke(_ request: Request, _ context: NimbusRequestContext) async throws -> Response {
        try await invoke(request, context, at: try Self.address(request, context), taskIdHeader: Self.statefulId)
    }

    /// `taskIdHeader`: where the caller names an async call's id, and where the answer gives it (FC 2.0's
    /// stateful invocation id, FC 3.0's async task id).
    func invoke(
        _ request: Request, _ context: NimbusRequestContext, at address: FunctionAddress, taskIdHeader: HTTPField.Name
    ) async throws -> Response {
        let (service, qualifier, function) = (address.service, address.qualifier, address.function)
        let deployment = try await runner.resolve(service: service, qualifier: qualifier, function: function).deployment
        let isAsync = Self.isAsync(request.headers[Self.invocationType])
        let limit = isAsync ? Self.asyncPayloadLimit : Self.syncPayloadLimit
        let payload = try await Self.collect(request, limit: limit)
        if isAsync {
            let target = QualifiedFunction(serviceName: service, qualifier: qualifier, functionName: function)
            return try await enqueue(request, context, target: target, payload: payload, idHeader: taskIdHeader)
        }
        let call = InstanceCall(
            requestId: context.requestId, kind: .event(payload),
            wantsLogTail: request.headers[Self.logType]?.lowercased() == "tail")
        let reply = try await runner.run(deployment, call, trigger: .sync)
        return Self.response(reply, deployment: deployment, status: .ok)
    }

    /// The function a call names. On 2016-08-15 the parser the warm lane uses reads the path, so both read
    /// it the same way; 2021-04-06 (which the lane does not take) names its qualifier in `?qualifier=`.
    static func address(_ request: Request, _ context: NimbusRequestContext) throws -> FunctionAddress {
        guard APIVersion(path: request.uri.path) == .fc20160815 else {
            let (service, qualifier) = try ManagementAPI.qualified(request, context)
            return FunctionAddress(
                service: service, qualifier: qualifier, function: try ManagementAPI.parameter(context, "function"))
        }
        guard
            case .invocation(let address) = try CallRoute.parse(
                method: request.method.rawValue, path: request.uri.path, invocationTarget: nil, domain: nil)
        else { throw NimbusError.invalidArgument("not an invocation path: \(request.uri.path)") }
        return address
    }

    /// Commits the event, then answers 202 with its invocation id (FC's stateful async invocation id).
    func enqueue(
        _ request: Request, _ context: NimbusRequestContext, target: QualifiedFunction, payload: ByteBuffer,
        idHeader: HTTPField.Name
    ) async throws -> Response {
        let policy = await runner.policy(for: target)
        let named = try Self.invocationId(request.headers[idHeader], header: idHeader)
        let stateful =
            switch request.headers[Self.statefulEnable]?.lowercased() {
            case "true": true
            case "false": false
            default: policy.stateful || (named != nil && idHeader != Self.statefulId)
            }
        let invocationId = named ?? context.requestId
        let event = AsyncEvent(
            invocationId: invocationId, requestId: context.requestId, target: target, source: .invoke,
            payload: Array(payload.readableBytesView), stateful: stateful, enqueuedTime: Date())
        try await events.accept([event])
        var headers = HTTPFields()
        headers[idHeader] = invocationId
        return Response(status: .accepted, headers: headers)
    }

    /// FC's rule for caller-chosen ids: up to 128 of `[A-Za-z0-9_-]`, starting with a letter or `_`.
    static func invocationId(_ header: String?, header name: HTTPField.Name = statefulId) throws(NimbusError)
        -> String?
    {
        guard let header, !header.isEmpty else { return nil }
        let allowed = header.unicodeScalars.allSatisfy {
            ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || $0 == "_" || $0 == "-"
        }
        guard header.count <= 128, allowed, let first = header.unicodeScalars.first,
            first == "_" || (first.isASCII && CharacterSet.letters.contains(first))
        else {
            throw .invalidArgument(
                "\(name.canonicalName) '\(header)' must be up to 128 letters, digits, '_' or '-', "
                    + "starting with a letter or '_'")
        }
        return header
    }

    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        try await RequestBody.collect(request, limit: limit, tooLarge: "payload size exceeds maximum allowed size")
    }

    /// FC's invocation headers around a reply (fc-api spec 6.2).
    static func response(_ reply: InstanceReply, deployment: Deployment, status: HTTPResponse.Status)
        -> Response
    {
        let (head, body) = responseParts(reply, deployment: deployment, status: status)
        return Response(status: head.status, headers: head.headerFields, body: .init(byteBuffer: body))
    }

    static func responseParts(_ reply: InstanceReply, deployment: Deployment, status: HTTPResponse.Status)
        -> (HTTPResponse, ByteBuffer)
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
        if let receipt = reply.costReceipt { headers[Self.costReceipt] = receipt }
        headers[.accessControlExposeHeaders] =
            "Date,x-fc-request-id,x-fc-error-type,x-fc-code-checksum,x-fc-invocation-duration,"
            + "x-fc-max-memory-usage,x-fc-log-result,x-fc-invocation-code-version"
        return (HTTPResponse(status: status, headerFields: headers), reply.body)
    }

    static let invocationType = HTTPField.Name("x-fc-invocation-type")!

    /// `Async`, or `Task` (what devsapp/fc3 sends for an async task), in any case.
    static func isAsync(_ invocationType: String?) -> Bool {
        ["async", "task"].contains(invocationType?.lowercased() ?? "")
    }
    static let logType = HTTPField.Name("x-fc-log-type")!
    /// Nimbus's per-call receipt: metered units and price (docs/metering.md).
    static let costReceipt = HTTPField.Name("x-nimbus-cost")!
    static let statefulId = HTTPField.Name("x-fc-stateful-async-invocation-id")!
    static let statefulEnable = HTTPField.Name("x-fc-stateful-async-invocation-enable")!
    static let logResult = HTTPField.Name("x-fc-log-result")!
    static let errorTypeHeader = HTTPField.Name("x-fc-error-type")!
}
