import Foundation
@testable import EconomicConnector
import SyncCore
@testable import SyncService
import Testing

/// e-conomic's refusals read as its REST documentation writes them ("Annotated errors"):
/// each property's `message` and `errorCode`, nested objects and arrays by their path.
@Suite("e-conomic's errors")
struct EconomicErrorsTests {
    func failure(_ status: Int, _ json: String) -> ConnectorError {
        EconomicConnector.failure(status, Data(json.utf8), "POST /customers")
    }

    @Test func theDocumentedExampleGivesEveryReasonWithItsPath() {
        let error = failure(400, """
            {"message": "Validation error.", "developerHint": "Inspect validation errors and correct your request.", "httpStatusCode": 400,
             "errors": {"currency": {"errors": [{"errorCode": "E06000", "message": "currency does not exist.", "value": "ZUL"}]},
                        "lines": [{"arrayIndex": 0, "unit": {"errors": [{"errorCode": "E06000", "message": "unit does not exist.", "value": 10}]}},
                                  {"arrayIndex": 1, "product": {"errors": [{"errorCode": "E04500", "message": "No identifiers present on product."}]}}]}}
            """)
        #expect(error.kind == .rejected)
        #expect(error.fields == ["currency", "lines"])
        #expect(error.reasons == [
            .init(field: "currency", message: "currency does not exist.", code: "E06000"),
            .init(field: "lines[0].unit", message: "unit does not exist.", code: "E06000"),
            .init(field: "lines[1].product", message: "No identifiers present on product.", code: "E04500"),
        ])
        #expect(error.message.contains("Validation error.") && error.message.contains("currency: currency does not exist. [E06000]"))
    }

    @Test func theReasonsReachTheWireError() {
        let error = failure(400, #"{"message": "Validation error.", "errors": {"customerGroup": {"errors": [{"errorCode": "E06000", "message": "customerGroup does not exist."}]}}}"#)
        let wire = SyncError(error)
        #expect(wire.kind == .remoteRejected)
        #expect(wire.details["fields"] == .strings(["customerGroup"]))
        #expect(wire.details["errors"] == .list([["field": .string("customerGroup"), "message": .string("customerGroup does not exist."), "errorCode": .string("E06000")]]))
    }

    @Test func anOlderErrorMessageIsStillRead() {
        let error = failure(400, #"{"message": "Validation exception.", "errors": {"name": {"errors": [{"errorMessage": "Property \"name\" is required.", "errorCode": "E06000"}]}}}"#)
        #expect(error.reasons.map(\.message) == ["Property \"name\" is required."])
    }

    @Test func unauthorisedAndForbiddenAreToldApart() {
        let revoked = failure(401, #"{"message": "The agreement has revoked the grant."}"#)
        #expect(revoked.kind == .unauthorized)
        #expect(revoked.message.contains("revoked"))
        let forbidden = failure(403, #"{"message": "Forbidden"}"#)
        #expect(forbidden.kind == .unauthorized)
        #expect(forbidden.status == 403)
        #expect(forbidden.message.contains("role"))
    }

    @Test func defaultsFollowTheCustomersCountry() {
        let d = EconomicDefaults(currency: "DKK", customerGroup: 1, paymentTerms: 2, vatZone: 1,
                                 abroad: .init(currency: "EUR", customerGroup: 3))
        #expect(d.resolved(for: nil) == ("DKK", 1, 2, 1))
        #expect(d.resolved(for: "DK") == ("DKK", 1, 2, 1))
        #expect(d.resolved(for: "SE") == ("DKK", 1, 2, 2))
        #expect(d.resolved(for: "US") == ("EUR", 3, 2, 3))
        #expect(d.resolved(for: "GL") == ("EUR", 3, 2, 3))
        #expect(d.resolved(for: "Atlantis").vatZone == 3, "a country we cannot read is not domestic")
    }
}
