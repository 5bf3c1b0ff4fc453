import Foundation

/// FC's naming and range rules, checked before anything is stored.
package enum Validation {
    /// Services, triggers and aliases: 1-128 chars of `[A-Za-z0-9_-]`, not starting with a digit or `-`.
    package static func resourceName(_ name: String, field: String, maxLength: Int = 128) throws(NimbusError) {
        guard !name.isEmpty, name.utf8.count <= maxLength else {
            throw .invalidArgument("\(field) '\(name)' must be 1 to \(maxLength) characters long")
        }
        let bytes = Array(name.utf8)
        let isLetterOrUnderscore = { (b: UInt8) in (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
        let isAllowed = { (b: UInt8) in isLetterOrUnderscore(b) || (b >= 48 && b <= 57) || b == 45 }
        guard isLetterOrUnderscore(bytes[0]), bytes.allSatisfy(isAllowed) else {
            throw .invalidArgument(
                "\(field) '\(name)' is invalid: use letters, digits, '_' and '-', starting with a letter or '_'")
        }
    }

    package static func serviceName(_ name: String) throws(NimbusError) {
        try resourceName(name, field: "serviceName")
    }

    package static func functionName(_ name: String) throws(NimbusError) {
        try resourceName(name, field: "functionName", maxLength: 64)
    }

    package static func triggerName(_ name: String) throws(NimbusError) {
        try resourceName(name, field: "triggerName")
    }

    /// A host name: dot-separated labels of `[a-z0-9-]` (not starting or ending with '-'), at most 253 bytes.
    package static func domainName(_ name: String) throws(NimbusError) {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            !name.isEmpty && name.utf8.count <= 253 && name == name.lowercased()
            && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.unicodeScalars.allSatisfy {
                        ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || $0 == "-"
                    }
            }
        guard valid else {
            throw .invalidArgument(
                "domainName '\(name)' is not a lowercase host name such as 'api.example.com' or 'catalog.localhost'")
        }
    }

    package static func range(_ value: Int?, _ field: String, _ bounds: ClosedRange<Int>) throws(NimbusError) {
        guard let value else { return }
        guard bounds.contains(value) else {
            throw .invalidArgument("\(field) \(value) is out of range [\(bounds.lowerBound), \(bounds.upperBound)]")
        }
    }

    /// A field of ``integerRanges`` within its range.
    package static func range(_ value: Int?, _ field: String) throws(NimbusError) {
        try range(value, field, integerRanges[field] ?? Int.min...Int.max)
    }

    /// FC's bounds for the integer fields of typed bodies, by their path; decoding errors name them too.
    package static let integerRanges: [String: ClosedRange<Int>] = [
        "memorySize": 128...32768, "timeout": 1...86400, "initializationTimeout": 1...300,
        "instanceConcurrency": 1...100, "caPort": 1...65535, "diskSize": 512...10240,
        "instanceLifecycleConfig.preFreeze.timeout": 1...900, "instanceLifecycleConfig.preStop.timeout": 1...900,
        "nasConfig.userId": -1...65534, "nasConfig.groupId": -1...65534,
    ]

    /// FC 2.0's vCPU sizes for a function's `cpu`.
    package static let cpuRange: ClosedRange<Double> = 0.05...16

    /// Environment variable names start with a letter; the whole map fits in 4 KB.
    package static func environment(_ variables: [String: String]?) throws(NimbusError) {
        guard let variables else { return }
        var total = 0
        for (key, value) in variables {
            let bytes = Array(key.utf8)
            let valid =
                !bytes.isEmpty
                && ((bytes[0] >= 65 && bytes[0] <= 90) || (bytes[0] >= 97 && bytes[0] <= 122))
                && bytes.allSatisfy {
                    ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95
                }
            guard valid else {
                throw .invalidArgument(
                    "environmentVariables key '\(key)' is invalid: use [A-Za-z0-9_], starting with a letter")
            }
            total += bytes.count + value.utf8.count
        }
        guard total <= 4096 else {
            throw .invalidArgument("environmentVariables exceed 4 KB in total (\(total) bytes)")
        }
    }
}
