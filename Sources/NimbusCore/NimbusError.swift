/// The one error type of the Nimbus core: an FC error code and a message a user can act on.
///
/// The HTTP edge maps ``Code`` to a status; nothing in the core knows about HTTP.
package struct NimbusError: Error, Equatable, Sendable, CustomStringConvertible {
    /// FC 2.0 error codes (the `ErrorCode` field of an error body).
    package enum Code: String, Sendable, CaseIterable {
        case invalidArgument = "InvalidArgument"
        case missingRequiredHeader = "MissingRequiredHeader"
        case pathNotSupported = "PathNotSupported"
        case entityTooLarge = "EntityTooLarge"
        case limitExceeded = "LimitExceeded"
        case accessDenied = "AccessDenied"
        case signatureNotMatch = "SignatureNotMatch"
        case invalidAccessKeyID = "InvalidAccessKeyID"
        case invalidSecurityToken = "InvalidSecurityToken"
        case requestTimeTooSkewed = "RequestTimeTooSkewed"
        /// An ACS3 request whose `x-acs-signature-nonce` was already used within the skew window.
        case signatureNonceUsed = "SignatureNonceUsed"
        case serviceNotFound = "ServiceNotFound"
        case functionNotFound = "FunctionNotFound"
        case triggerNotFound = "TriggerNotFound"
        case aliasNotFound = "AliasNotFound"
        case versionNotFound = "VersionNotFound"
        case domainNameNotFound = "DomainNameNotFound"
        case layerNotFound = "LayerNotFound"
        case asyncConfigNotExists = "AsyncConfigNotExists"
        case provisionConfigNotFound = "ProvisionConfigNotFound"
        case onDemandConfigNotFound = "OnDemandConfigNotFound"
        case concurrencyConfigNotFound = "ConcurrencyConfigNotFound"
        case asyncInvocationNotFound = "StatefulAsyncInvocationNotFound"
        case asyncTaskNotFound = "AsyncTaskNotFound"
        case asyncInvocationAlreadyExists = "StatefulAsyncInvocationAlreadyExists"
        case serviceAlreadyExists = "ServiceAlreadyExists"
        case functionAlreadyExists = "FunctionAlreadyExists"
        case triggerAlreadyExists = "TriggerAlreadyExists"
        case aliasAlreadyExists = "AliasAlreadyExists"
        case domainNameAlreadyExists = "DomainNameAlreadyExists"
        case routeNotFound = "RouteNotFound"
        case serviceNotEmpty = "ServiceNotEmpty"
        case functionNotEmpty = "FunctionNotEmpty"
        /// A layer version that a function still names.
        case layerVersionInUse = "LayerVersionInUse"
        case concurrentUpdate = "ConcurrentUpdateError"
        case preconditionFailed = "PreconditionFailed"
        case notImplemented = "NotImplemented"
        case resourceExhausted = "ResourceExhausted"
        case instanceExited = "CAExited"
        case instanceFileNotFound = "CAFileNotFound"
        case instanceFilePermission = "CAFilePermission"
        case badResponse = "BadResponse"
        case methodNotAllowed = "MethodNotAllowed"
        case internalServerError = "InternalServerError"
    }

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "\(code.rawValue): \(message)" }
}

extension NimbusError {
    package static func invalidArgument(_ message: String) -> NimbusError { .init(.invalidArgument, message) }

    package static func serviceNotFound(_ service: String) -> NimbusError {
        .init(.serviceNotFound, "service '\(service)' does not exist")
    }

    package static func functionNotFound(_ function: String, service: String) -> NimbusError {
        .init(.functionNotFound, "function '\(function)' does not exist in service '\(service)'")
    }

    package static func triggerNotFound(_ trigger: String, function: String, service: String) -> NimbusError {
        .init(
            .triggerNotFound, "trigger '\(trigger)' does not exist in service '\(service)' and function '\(function)'")
    }

    package static let preconditionFailed = NimbusError(
        .preconditionFailed, "the resource being modified has been changed")
}

extension NimbusError {
    package static func versionNotFound(_ id: some CustomStringConvertible, service: String) -> NimbusError {
        NimbusError(.versionNotFound, "version '\(id)' does not exist in service '\(service)'")
    }

    package static func aliasNotFound(_ alias: String, service: String) -> NimbusError {
        NimbusError(.aliasNotFound, "alias '\(alias)' does not exist in service '\(service)'")
    }
}
