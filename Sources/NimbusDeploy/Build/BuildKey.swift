import Crypto
import Foundation

/// What installed dependencies were made from: the dependency files' bytes and the interpreter they were
/// installed for. Equal keys mean pip or npm would install the same thing again, so they are not run.
package struct BuildKey: Sendable, Equatable, CustomStringConvertible {
    package var ecosystem: BuildTarget.Ecosystem
    /// The interpreter's path and its own account of its version (`python -VV`, `node --version`): a
    /// different ABI needs different native wheels and addons.
    package var interpreter: String
    /// File name to contents; a file that is absent (no lock file) is left out.
    package var files: [String: Data]

    package init(ecosystem: BuildTarget.Ecosystem, interpreter: String, files: [String: Data]) {
        self.ecosystem = ecosystem
        self.interpreter = interpreter
        self.files = files
    }

    /// SHA-256 over length-prefixed parts, so no two different inputs run together into the same bytes.
    package var description: String {
        var hasher = SHA256()
        func add(_ bytes: Data) {
            withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(data: bytes)
        }
        add(Data("nimbus-build-1".utf8))
        add(Data(ecosystem.rawValue.utf8))
        add(Data(interpreter.utf8))
        for name in files.keys.sorted() {
            add(Data(name.utf8))
            add(files[name] ?? Data())
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
