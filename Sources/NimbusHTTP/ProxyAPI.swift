import Foundation
import HTTPTypes
import Hummingbird
import NimbusCore
import NimbusInvocation

/// HTTP triggers: `/2016-08-15/proxy/{service}.{qualifier}/{function}/{path...}`, bare paths
/// carrying `x-fc-invocation-target: 2016-08-15/proxy/{service}/{function}` (fc-runtimes spec 4.2),
/// and custom domains' routes, as ``CallRoute`` parses them (``CallRouteMiddleware``).
struct ProxyAPI: Sendable {
    static let bodyLimit = 32 << 20
    static let invocationTarget = HTTPField.Name("x-fc-invocation-target")!
    static let serviceVersion = HTTPField.Name("x-fc-invocation-service-version")!

    let runner: FunctionRunner
    let authenticator: RequestAuthenticator

    /// Runs an HTTP-trigger call ``CallRoute`` found.
    func proxy(
        _ request: Request, _ context: NimbusRequestContext, _ address: FunctionAddress, functionPath: String,
        viaDomain: Bool, secure: Bool
    ) async throws -> Response {
        let (service, qualifier, function) = (address.service, address.qualifier, address.function)
        let resolution = try await runner.resolve(
            service: service, qualifier: qualifier, function: function)
        let deployment = resolution.deployment
        guard let access = resolution.httpAccess(method: request.method.rawValue, viaDomain: viaDomain) else {
            throw NimbusError(.triggerNotFound, "function '\(function)' in service '\(service)' has no HTTP trigger")
        }
        guard viaDomain || !resolution.urlDisabled else {
            throw NimbusError(
                .accessDenied,
                "the HTTP trigger of function '\(function)' sets disableURLInternet: call it through a custom domain")
        }
        let origin = request.headers[.origin]
        // A browser's preflight is answered from the trigger's corsConfig: unsigned, whatever its methods.
        if let cors = resolution.cors,
            let requestMethod = request.headers[.accessControlRequestMethod],
            let origin,
            CORSPolicy.isPreflight(method: request.method.rawValue, origin: origin, requestMethod: requestMethod)
        {
            var headers = HTTPFields()
            for (name, value) in cors.preflightHeaders(
                origin: origin, requestMethod: requestMethod,
                requestHeaders: request.headers[.accessControlRequestHeaders])
            {
                if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
            }
            return Response(status: .noContent, headers: headers)
        }
        guard access.allowed else {
            throw NimbusError(
                .methodNotAllowed,
                "method \(request.method.rawValue) is not allowed by the HTTP trigger of function '\(function)'")
        }
        let check =
            access.anonymous
            ? PayloadCheck.none
            : try authenticator.verify(SignatureMiddleware.signedRequest(request), now: Date())
        let body = try await InvocationAPI.collect(request, limit: Self.bodyLimit)
        try check.verify(body: body)
        let call = InstanceCall(
            requestId: context.requestId,
            kind: .http(
                HTTPCall(
                    method: request.method.rawValue, requestURI: request.uri.description, functionPath: functionPath,
                    headers: request.headers.map { ($0.name.canonicalName, $0.value) }, body: body,
                    clientIP: context.clientIP, host: request.head.authority ?? "", scheme: secure ? "https" : "http")),
            wantsLogTail: false)
        let reply = try await runner.run(deployment, call, trigger: .http)
        let cors = resolution.cors?.responseHeaders(origin: origin) ?? []
        let (head, answer) = Self.response(reply, deployment: deployment, cors: cors)
        return Response(status: head.status, headers: head.headerFields, body: .init(byteBuffer: answer))
    }

    /// The client's answer to an HTTP-trigger call: the function's response, or FC's error as a 502;
    /// `cors`, the trigger's CORS headers for the caller's origin, replace the function's own.
    static func response(_ reply: InstanceReply, deployment: Deployment, cors: [(String, String)] = [])
        -> (HTTPResponse, ByteBuffer)
    {
        guard reply.errorType == nil else {
            var (head, body) = InvocationAPI.responseParts(reply, deployment: deployment, status: .badGateway)
            Self.set(cors, in: &head.headerFields)
            return (head, body)
        }
        var headers = HTTPFields()
        for (name, value) in reply.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        Self.set(cors, in: &headers)
        // Which version answered: how a canary split behind an alias is seen per call.
        headers[Self.serviceVersion] = deployment.contract.versionId
        if let receipt = reply.costReceipt { headers[InvocationAPI.costReceipt] = receipt }
        return (HTTPResponse(status: .init(code: reply.status), headerFields: headers), reply.body)
    }

    static func set(_ fields: [(String, String)], in headers: inout HTTPFields) {
        for (name, value) in fields {
            guard let field = HTTPField.Name(name) else { continue }
            headers[field] = value
        }
    }
}
