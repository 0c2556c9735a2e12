import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Random bits from the system's generator, drawn 4 KiB at a time: one system call per 256 ids
/// instead of two per id (an import of 100,000 users made 400,000 of them).
enum RandomPool {
    private static let size = 4096
    private static let pool = Mutex<(bytes: [UInt8], used: Int)>(([UInt8](repeating: 0, count: size), size))

    static func next128() -> (UInt64, UInt64) {
        pool.withLock { pool in
            if pool.used + 16 > size {
                refill(&pool.bytes)
                pool.used = 0
            }
            defer { pool.used += 16 }
            return pool.bytes.withUnsafeBytes { raw in
                (
                    raw.loadUnaligned(fromByteOffset: pool.used, as: UInt64.self),
                    raw.loadUnaligned(fromByteOffset: pool.used + 8, as: UInt64.self)
                )
            }
        }
    }

    /// The kernel's generator, opened once for the process (`-1`: unavailable).
    private static let urandom: Int32 = {
        #if canImport(Glibc)
            return open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        #else
            return -1
        #endif
    }()

    private static func refill(_ bytes: inout [UInt8]) {
        var filled = 0
        #if canImport(Glibc)
            if urandom >= 0 {
                bytes.withUnsafeMutableBytes { raw in
                    // A read may answer fewer bytes than asked (a signal): ask again for the rest.
                    while filled < raw.count {
                        let got = read(urandom, raw.baseAddress! + filled, raw.count - filled)
                        guard got > 0 || (got < 0 && errno == EINTR) else { break }
                        filled += max(0, got)
                    }
                }
            }
        #endif
        var generator = SystemRandomNumberGenerator()
        for index in filled..<bytes.count { bytes[index] = generator.next() }
    }
}
