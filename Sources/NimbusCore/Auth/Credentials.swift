/// The account Nimbus serves and the key pair that signs its API calls.
package struct Credentials: Sendable, Equatable {
    package var accountId: String
    package var accessKeyId: String
    package var accessKeySecret: String
    /// An STS-style token; when set, a request that sends `x-fc-security-token` must send this one.
    package var securityToken: String?

    package init(accountId: String, accessKeyId: String, accessKeySecret: String, securityToken: String? = nil) {
        self.accountId = accountId
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken
    }
}
