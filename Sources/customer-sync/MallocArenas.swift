import Foundation
#if canImport(Glibc)
import CMalloc
#endif

/// glibc's allocator gives threads that allocate at once arenas of their own, up to eight a
/// core, and memory freed in one arena serves only that arena's threads afterwards. The match
/// index is built and the registers paired on every core, so its peak carried the freed
/// memory of each arena. One arena a core: `customer-sync-bench suggestions --customers
/// 300000`, peak 1,079 → 1,009 MB, first call 12.7 → 13.0 s (Benchmarks/README.md). A
/// `MALLOC_ARENA_MAX` in the environment is left to decide.
enum MallocArenas {
    static func oneACore() {
        #if canImport(Glibc)
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil else { return }
        _ = mallopt(M_ARENA_MAX, Int32(max(1, ProcessInfo.processInfo.activeProcessorCount)))
        #endif
    }
}
