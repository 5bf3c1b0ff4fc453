import HTTPTypes
import NimbusCore

extension NimbusError.Code {
    /// The HTTP status FC answers with for this code. The only place codes meet HTTP.
    var httpStatus: HTTPResponse.Status {
        switch self {
        // FC answers a payload over the limit with 400, not 413 (fc-api spec 6.6).
        case .invalidArgument, .pathNotSupported, .limitExceeded, .entityTooLarge: .badRequest
        case .missingRequiredHeader, .accessDenied, .signatureNotMatch, .invalidAccessKeyID, .invalidSecurityToken,
            .requestTimeTooSkewed, .signatureNonceUsed:
            .forbidden
        case .serviceNotFound, .functionNotFound, .triggerNotFound, .aliasNotFound, .versionNotFound,
            .domainNameNotFound, .layerNotFound, .asyncConfigNotExists, .provisionConfigNotFound,
            .onDemandConfigNotFound,
            .asyncInvocationNotFound, .asyncTaskNotFound, .concurrencyConfigNotFound, .routeNotFound:
            .notFound
        case .serviceAlreadyExists, .functionAlreadyExists, .triggerAlreadyExists, .serviceNotEmpty,
            .functionNotEmpty, .layerVersionInUse, .concurrentUpdate, .asyncInvocationAlreadyExists,
            .aliasAlreadyExists,
            .domainNameAlreadyExists:
            .conflict
        case .preconditionFailed, .instanceExited, .instanceFileNotFound, .instanceFilePermission: .preconditionFailed
        case .resourceExhausted: .tooManyRequests
        case .badResponse: .badGateway
        case .methodNotAllowed: .methodNotAllowed
        case .notImplemented: .notImplemented
        case .internalServerError: .internalServerError
        }
    }
}
