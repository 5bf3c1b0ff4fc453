import CoreMetrics
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NimbusCore
import NimbusInvocation
import Synchronization

/// The fast path for warm calls: decided and run on the event loop the request came in on, with no
/// task, actor or thread change. It takes only what it can answer exactly as the router would: an
/// anonymous HTTP trigger (``ProxyAPI``), or a correctly signed sync invocation (``InvocationAPI``),
/// whose resolution is cached and whose function has a free slot on a ready instance. Everything else
/// (first calls, signed triggers, async invocations, log tails, errors, queued calls, large or
/// streamed bodies) goes to the router, which is the reference behaviour.
package struct WarmLane: CallLane {
    let runner: FunctionRunner
    let authenticator: RequestAuthenticator
    let domains: DomainTable
    /// HTTPS-only custom domains asked over plain HTTP are redirected (by the router).
    let redirectsPlainHTTP: Bool
    /// The HTTPS listener's lane: its calls reach functions as `https`.
    let secure: Bool
    /// `nimbus_warm_lane_calls_total`: calls answered on a warm instance's free slot.
    let calls: Counter
    /// `nimbus_warm_lane_queued_total`: calls the lane took that found no free slot and waited in the queue.
    let queued: Counter
    let logger: Logger
    /// Bodies up to this size are collected on the lane; larger ones go to the router.
    static let bodyLimit = 1 << 20
    var bodyLimit: Int { Self.bodyLimit }

    init(
        runner: FunctionRunner, authenticator: RequestAuthenticator, domains: DomainTable, redirectsPlainHTTP: Bool,
        secure: Bool = false, metrics: any MetricsFactory, logger: Logger
    ) {
        self.secure = secure
        self.runner = runner
        self.authenticator = authenticator
        self.domains = domains
        self.redirectsPlainHTTP = redirectsPlainHTTP
        self.calls = Counter(label: "nimbus_warm_lane_calls_total", factory: metrics)
        self.queued = Counter(label: "nimbus_warm_lane_queued_total", factory: metrics)
        self.logger = logger
    }

    /// The handler each HTTP/1 connection's pipeline gets (Hummingbird's `additionalChannelHandlers`).
    package func channelHandlers() -> [any RemovableChannelHandler] { [WarmLaneHandler(lane: self)] }

    /// A request the lane may take once its body is in.
    struct Plan {
        enum Call {
            /// An HTTP-trigger request, for the function's own path.
            case http(functionPath: String)
            /// A sync invocation: the body is the event.
            case event
        }

        var resolution: FunctionRunner.Resolution
        var requestURI: String
        var call: Call
        /// What the signature leaves to check on the body (ACS3's payload hash); nothing for anonymous calls.
        var payloadCheck = PayloadCheck.none
    }

    /// Decides from the head alone; nil sends the request to the router.
    func plan(for request: HTTPRequest) -> Plan? {
        guard let uri = request.path, request.method != .head, request.headerFields[.expect] == nil,
            request.headerFields[.connection].map({ !$0.lowercased().contains("close") }) ?? true,
            request.headerFields[.transferEncoding] == nil,
            Int(request.headerFields[.contentLength] ?? "0").map({ $0 <= Self.bodyLimit }) ?? false
        else { return nil }
        let path = String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        let target = request.headerFields[ProxyAPI.invocationTarget]
        // The router goes by the Host first (custom domains) unless the request names its function;
        // a host not looked up yet goes there.
        var domain: CustomDomainRecord?
        if target == nil || path.hasPrefix(CallRoute.apiPrefix) {
            guard let cached = domains.cached(CallRouteMiddleware.hostName(request.authority ?? "")) else { return nil }
            domain = cached
        }
        if let domain, !domain.spec.servesHTTP, redirectsPlainHTTP { return nil }
        let route: CallRoute
        do {
            route = try CallRoute.parse(
                method: request.method.rawValue, path: path, invocationTarget: target, domain: domain,
                query: uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init))
        } catch {
            return nil  // the router answers it with the same error
        }
        switch route {
        case .invocation(let address):
            return invocationPlan(request, address: address, path: path, uri: uri)
        case .httpTrigger(let address, let functionPath):
            // The router checks the signature of every other API path first, custom domain or not.
            if APIVersion.requiresSignature(path) { return nil }
            guard let resolution = cachedResolution(address),
                let access = resolution.httpAccess(method: request.method.rawValue, viaDomain: domain != nil),
                access.allowed, access.anonymous, domain != nil || !resolution.urlDisabled,
                // A browser's CORS preflight is answered by the router.
                resolution.cors == nil || request.headerFields[.accessControlRequestMethod] == nil
            else { return nil }
            return Plan(resolution: resolution, requestURI: uri, call: .http(functionPath: functionPath))
        case .other:
            return nil
        }
    }

    /// `{service}[.{qualifier}]` and a function, when cached; an alias's version is drawn here, once:
    /// the call then runs on that version whichever way it goes.
    func cachedResolution(_ address: FunctionAddress) -> FunctionRunner.Resolution? {
        // Only an alias draws (a system random number per call showed in the profile).
        let qualifier = address.qualifier
        let random = qualifier == "LATEST" || qualifier.allSatisfy(\.isNumber) ? 0 : Double.random(in: 0..<1)
        return runner.cachedResolution(
            service: address.service, qualifier: qualifier, function: address.function, random: random)
    }

    /// Runs the call: on a warm instance's free slot right here, or, when none is free, queued through
    /// the runner as the router would queue it (waiting for a slot or a new instance, up to the queue
    /// timeout), so a call the lane drew an alias version for keeps it.
    func start(_ plan: Plan, _ request: HTTPRequest, body: ByteBuffer, clientIP: String, on loop: any EventLoop)
        -> EventLoopFuture<(HTTPResponse, ByteBuffer)>
    {
        let deployment = plan.resolution.deployment
        let requestId = RequestID.make()
        do throws(NimbusError) {
            try plan.payloadCheck.verify(body: body)
        } catch {
            return loop.makeSucceededFuture(
                Self.finished(FCResponse.errorParts(error, requestId: requestId), requestId))
        }
        let trigger: InvocationRecord.Trigger = if case .http = plan.call { .http } else { .sync }
        let call = {
            switch plan.call {
            case .http(let functionPath):
                InstanceCall.Kind.http(
                    HTTPCall(
                        method: request.method.rawValue, requestURI: plan.requestURI, functionPath: functionPath,
                        headers: request.headerFields.map { ($0.name.canonicalName, $0.value) }, body: body,
                        clientIP: clientIP, host: request.authority ?? "", scheme: secure ? "https" : "http"))
            case .event: InstanceCall.Kind.event(body)
            }
        }
        let reply: EventLoopFuture<InstanceReply>
        if let warm = runner.runWarm(deployment, requestId: requestId, trigger: trigger, on: loop, call: call) {
            calls.increment()
            reply = warm
        } else {
            queued.increment()
            let promise = loop.makePromise(of: InstanceReply.self)
            // The slow path is async (the supervisor's queue); the task ends with the call, which the
            // queue timeout and the function's own timeout bound.
            let runner = self.runner
            let kind = call()
            promise.completeWithTask {
                try await runner.run(
                    deployment, InstanceCall(requestId: requestId, kind: kind, wantsLogTail: false), trigger: trigger)
            }
            reply = promise.futureResult
        }
        let logger = self.logger
        return reply.map { reply in
            trigger == .http
                ? ProxyAPI.response(
                    reply, deployment: deployment,
                    cors: plan.resolution.cors?.responseHeaders(origin: request.headerFields[.origin]) ?? [])
                : InvocationAPI.responseParts(reply, deployment: deployment, status: .ok)
        }.recover { error in
            let shown = (error as? NimbusError) ?? NimbusError(.internalServerError, "\(error)")
            return FCResponse.errorParts(FCErrorMiddleware.shown(shown, logger: logger), requestId: requestId)
        }.map { Self.finished($0, requestId) }
    }

    /// The headers every answer of the lane carries.
    static func finished(_ answer: (HTTPResponse, ByteBuffer), _ requestId: String) -> (HTTPResponse, ByteBuffer) {
        var head = answer.0
        let body = answer.1
        head.headerFields[FCResponse.requestIdHeader] = requestId
        head.headerFields[.date] = HTTPDate.now
        head.headerFields[.server] = "nimbus"
        // An empty body with a length given (a HEAD answer) keeps it; anything else says its own size.
        if body.readableBytes > 0 || head.headerFields[.contentLength] == nil {
            head.headerFields[.contentLength] = String(body.readableBytes)
        }
        return (head, body)
    }
}

/// The `Date` header's value, formatted at most once a second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    static var now: String {
        let second = Int(Date().timeIntervalSince1970)
        return cache.withLock { cache in
            if cache.second != second {
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = TimeZone(identifier: "GMT")
                formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
                cache = (second, formatter.string(from: Date(timeIntervalSince1970: Double(second))))
            }
            return cache.text
        }
    }
}
