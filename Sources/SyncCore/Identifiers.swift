/// Public ids: opaque strings, `c17` for customers, `L5` for links. Anything that does not
/// parse is simply an id that matches nothing.
public enum CustomerID {
    public static func format(_ id: Int64) -> String { "c\(id)" }
    public static func parse(_ text: String) -> Int64? {
        guard text.hasPrefix("c"), let n = Int64(text.dropFirst()), n > 0, "c\(n)" == text else { return nil }
        return n
    }
}

public enum LinkID {
    public static func format(_ id: Int64) -> String { "L\(id)" }
    public static func parse(_ text: String) -> Int64? {
        guard text.hasPrefix("L"), let n = Int64(text.dropFirst()), n > 0, "L\(n)" == text else { return nil }
        return n
    }
}
