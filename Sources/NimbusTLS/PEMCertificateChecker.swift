import Crypto
import NIOSSL
import NimbusCore
import SwiftASN1
import X509

/// Checks a custom domain's `certConfig` with swift-certificates: the certificate chain parses, the key parses,
/// and the key is the leaf certificate's. Also loads them for NIOSSL.
package struct PEMCertificateChecker: CertificateChecker {
    package init() {}

    package func check(_ config: CertConfig) throws(NimbusError) {
        _ = try Self.load(config)
    }

    /// The chain and key as NIOSSL serves them, after the checks.
    package static func load(_ config: CertConfig) throws(NimbusError) -> ([NIOSSLCertificate], NIOSSLPrivateKey) {
        let pem = config.certificate ?? ""
        let keyPEM = config.privateKey ?? ""
        let chain: [Certificate]
        do {
            chain = try PEMDocument.parseMultiple(pemString: pem).map { try Certificate(pemDocument: $0) }
        } catch {
            throw .invalidArgument("certConfig.certificate is not a PEM certificate (chain): \(error)")
        }
        guard let leaf = chain.first else { throw .invalidArgument("certConfig.certificate holds no certificate") }
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: keyPEM)
        } catch {
            throw .invalidArgument("certConfig.privateKey is not a PEM private key: \(error)")
        }
        guard key.publicKey == leaf.publicKey else {
            throw .invalidArgument("certConfig.privateKey does not belong to the certificate")
        }
        do {
            return (
                try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)),
                try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
            )
        } catch {
            throw .invalidArgument("certConfig could not be loaded for TLS: \(error)")
        }
    }
}
