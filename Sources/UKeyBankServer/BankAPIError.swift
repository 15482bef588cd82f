import Foundation
import Hummingbird

/// A refusal of the request itself (not a verdict on a transfer): a 4xx status with the JSON body
/// `{"error": "…", "field": "amount"}`. `field` names the request field at fault (a JSON key,
/// `body` for the body as a whole, `serial` for the path parameter), `nil` when no field is.
public struct BankAPIError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var message: String
    public var field: String?

    public init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil) {
        self.status = status
        self.message = message
        self.field = field
    }

    /// 400 Bad Request.
    static func badRequest(_ message: String, field: String?) -> BankAPIError { BankAPIError(.badRequest, message, field: field) }

    /// The response: the JSON body with `error` and `field`.
    func response() -> Response {
        struct Body: Encodable {
            let error: String
            let field: String?
        }
        return JSONResponse.make(status: status, Body(error: message, field: field))
    }
}

/// JSON responses: sorted keys, `application/json`.
enum JSONResponse {
    static func make(status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"the response could not be encoded"}"#.utf8)
        return bytes(status: status, Array(data) + [0x0A], contentType: "application/json")
    }

    static func bytes(status: HTTPResponse.Status, _ bytes: [UInt8], contentType: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Turns every error a route or the router throws into the JSON error body: ``BankAPIError`` as
/// it is, Hummingbird's own (404 for an unknown path, 405, 413 from the body limit) with their
/// status, and anything else as a 500 that says nothing about its cause (it is logged).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as BankAPIError {
            return error.response()
        } catch let error as any HTTPResponseError {
            let status = error.status
            let message: String
            switch status {
            case .notFound: message = "no such route: \(request.method) \(request.uri.path)"
            case .methodNotAllowed: message = "\(request.method) is not allowed on \(request.uri.path)"
            case .contentTooLarge: message = "the request body is over \(BankService.maxBodyBytes) bytes"
            default: message = status.reasonPhrase
            }
            return BankAPIError(status, message, field: status == .contentTooLarge ? "body" : nil).response()
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return BankAPIError(.internalServerError, "internal error").response()
        }
    }
}
