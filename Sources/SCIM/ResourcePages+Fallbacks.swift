extension ResourcePages {
    /// A page, and the parameters the provider refused on the way to it.
    struct Adapted {
        var page: ListPage<Resource>
        var refused: [ListingParameter: String]
    }

    /// Why `count` is left out with a refused `startIndex`.
    static var countWithStart: String { "left out with startIndex: a listing that cannot page asks for everything" }

    /// Whether a failure may be the provider refusing a parameter: it rejects the request (400),
    /// or breaks on it (500, 501). Refused credentials, a missing path or a rate limit are not.
    static func mayRefuseParameter(_ error: SCIMClientError) -> Bool {
        error.kind == .httpStatus && [400, 500, 501].contains(error.status ?? 0)
    }

    /// The page `parameters` ask for, from a provider that refused them (`failure`): the optional
    /// parameters are left out one at a time, least needed first, until it answers; then each one
    /// left out is put back once and stays out only if the form with it fails again, so a passing
    /// failure, or a parameter left out only on the way, is not held against the provider.
    ///
    /// A provider that refuses every form fails with an error naming each form tried.
    func adapting(_ parameters: [(String, String?)], after failure: SCIMClientError) async throws -> Adapted {
        var tried = [(form(parameters), failure)]
        let present = ListingParameter.allCases.filter { p in parameters.contains { p.names.contains($0.0) } }
        var out: [ListingParameter] = []
        var found: ListPage<Resource>?
        for parameter in present where found == nil {
            out.append(parameter)
            let asked = ListingFallbacks(out).applied(to: parameters)
            do {
                found = try await page(asked)
            } catch let error as SCIMClientError where Self.mayRefuseParameter(error) {
                tried.append((form(asked), error))
            }
        }
        guard var found else { throw everyFormRefused(tried) }
        var refused: [ListingParameter: String] = [:]
        var kept = out
        for parameter in out {
            kept.removeAll { $0 == parameter }
            let asked = ListingFallbacks(kept).applied(to: parameters)
            do {
                found = try await page(asked)
            } catch let error as SCIMClientError where Self.mayRefuseParameter(error) {
                refused[parameter] = "HTTP \(error.status ?? 0)"
                kept.append(parameter)
            }
        }
        if refused[.startIndex] != nil, refused[.count] == nil, present.contains(.count) {
            refused[.count] = Self.countWithStart
            found = try await page(ListingFallbacks(dropped: refused).applied(to: parameters))
        }
        return Adapted(page: found, refused: refused)
    }

    /// A request as the error names it: `GET /Users?startIndex=1&count=100`.
    func form(_ parameters: [(String, String?)]) -> String {
        "GET " + path + SCIMClient.queryString(parameters)
    }

    func everyFormRefused(_ tried: [(String, SCIMClientError)]) -> SCIMClientError {
        let last = tried[tried.count - 1].1
        let forms = tried.map { form, error in "\(form) (HTTP \(error.status ?? 0))" }
        return SCIMClientError(
            .httpStatus,
            "the service provider refused every form of the listing Roster tried: " + forms.joined(separator: "; "),
            status: last.status, scimType: last.scimType, detail: last.detail, url: client.baseURL + path)
    }
}

extension ListingFallbacks {
    /// Parameters left out on the way, without a reason yet.
    init(_ parameters: [ListingParameter]) {
        self.init(dropped: Dictionary(uniqueKeysWithValues: parameters.map { ($0, "") }))
    }
}
