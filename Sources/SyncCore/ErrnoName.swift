#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// The symbolic name of an errno value, for error details a client can switch on (the text
/// from `strerror` is for people and differs between C libraries).
enum ErrnoName {
    static func of(_ code: Int32) -> String {
        switch code {
        case ENOSPC: "ENOSPC"
        case EDQUOT: "EDQUOT"
        case EACCES: "EACCES"
        case EPERM: "EPERM"
        case EROFS: "EROFS"
        case EISDIR: "EISDIR"
        case ENOTDIR: "ENOTDIR"
        case ENOENT: "ENOENT"
        case EEXIST: "EEXIST"
        case ENOTEMPTY: "ENOTEMPTY"
        case EIO: "EIO"
        case EFBIG: "EFBIG"
        case ENAMETOOLONG: "ENAMETOOLONG"
        case EMFILE: "EMFILE"
        case ENFILE: "ENFILE"
        case EXDEV: "EXDEV"
        case EBUSY: "EBUSY"
        case ETXTBSY: "ETXTBSY"
        case ELOOP: "ELOOP"
        default: "E\(code)"
        }
    }
}
