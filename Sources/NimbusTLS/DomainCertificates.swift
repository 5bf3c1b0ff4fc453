import Crypto
import Foundation
import NIOCore
import NIOSSL
import NimbusCore
import SwiftASN1
import X509

/// TLS for custom domains: picks each connection's certificate by the name the client asked for (SNI).
///
/// Connections for names that are no HTTPS domain get a self-signed certificate made at start-up, so the
/// handshake completes and the client sees a certificate it does not trust.
package struct DomainCertificates: Sendable {
    /// The domain's `certConfig`, if it is an HTTPS custom domain.
    let lookup: @Sendable (String) async -> CertConfig?

    package init(lookup: @escaping @Sendable (String) async -> CertConfig?) {
        self.lookup = lookup
    }

    /// A server configuration whose certificate is chosen per connection.
    package func tlsConfiguration() throws -> TLSConfiguration {
        let (certificate, key) = try Self.selfSigned()
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
        let lookup = lookup
        configuration.sslContextCallback = { values, promise in
            guard let name = values.serverHostname?.lowercased() else {
                promise.succeed(.noChanges)
                return
            }
            // NIOSSL's callback is synchronous and the lookup reads the store: answered through the promise.
            Task {
                var override = NIOSSLContextConfigurationOverride()
                if let config = await lookup(name), let (chain, key) = try? PEMCertificateChecker.load(config) {
                    override.certificateChain = chain.map { .certificate($0) }
                    override.privateKey = .privateKey(key)
                }
                promise.succeed(override)
            }
        }
        return configuration
    }

    /// A throwaway P-256 certificate for `nimbus.invalid`, valid for a year.
    static func selfSigned() throws -> (NIOSSLCertificate, NIOSSLPrivateKey) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("nimbus.invalid") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions(),
            issuerPrivateKey: .init(key))
        return (
            try NIOSSLCertificate(bytes: Array(try certificate.serializeAsPEM().pemString.utf8), format: .pem),
            try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem)
        )
    }
}
