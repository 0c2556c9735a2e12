extension Array where Element: Hashable {
    /// The elements without repeats, in the order they first come.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
