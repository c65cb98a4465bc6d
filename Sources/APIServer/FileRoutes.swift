import Foundation
import Hummingbird
import Jobs
import MultipartKit
import OpenAIAPI

/// `/v1/files`: upload (multipart, `purpose=batch`), list, retrieve, content, delete.
struct FileRoutes: Sendable {
    let jobs: any JobStore
    let configuration: ServerConfiguration

    /// The form of an upload: the purpose field and the file part.
    struct Upload: Decodable {
        var purpose: String
        var file: Data
    }

    func add<Context: RequestContext>(to router: some RouterMethods<Context>) {
        let group = router.group("v1/files")
        group.post { request, _ in
            let body = try await HTTPResponses.body(of: request, limit: configuration.maxBodySize)
            let upload = try Self.decodeUpload(body, contentType: request.headers[.contentType])
            let purpose = try FilePurpose.forUpload(upload.purpose)
            let (filename, content) = (Self.filename(in: body) ?? "upload.jsonl", upload.file)
            let file = try await jobs.createFile(filename: filename, purpose: purpose.rawValue, content: content)
            return HTTPResponses.json(FileObject(file))
        }
        group.get { request, _ in
            let query = request.uri.queryParameters
            let limit = query["limit"].flatMap { Int(String($0)) } ?? 10_000
            let order = query["order"].flatMap { ListOrder(rawValue: String($0)) } ?? .descending
            let purpose = query["purpose"].map(String.init), after = query["after"].map(String.init)
            let files = try await jobs.files(purpose: purpose, limit: limit + 1, after: after, order: order)
            return HTTPResponses.json(FileList(data: files.prefix(limit).map(FileObject.init), hasMore: files.count > limit))
        }
        group.get(":id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let file = try await jobs.file(id: id) else { throw JobStoreError.fileNotFound(id: id) }
            return HTTPResponses.json(FileObject(file))
        }
        group.get(":id/content") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let content = try await jobs.fileContent(id: id) else { throw JobStoreError.fileNotFound(id: id) }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"],
                            body: .init(byteBuffer: ByteBuffer(bytes: content)))
        }
        group.delete(":id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard try await jobs.deleteFile(id: id) else { throw JobStoreError.fileNotFound(id: id) }
            return HTTPResponses.json(DeletedFile(id: id))
        }
    }

    static func decodeUpload(_ body: Data, contentType: String?) throws(APIError) -> Upload {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundary = contentType.split(separator: ";").lazy
                  .map({ $0.trimmingCharacters(in: .whitespaces) })
                  .first(where: { $0.lowercased().hasPrefix("boundary=") })
                  .map({ String($0.dropFirst("boundary=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) })
        else {
            throw APIError.invalidRequest("upload files as multipart/form-data with the fields 'purpose' and 'file'")
        }
        do {
            return try FormDataDecoder().decode(Upload.self, from: [UInt8](body), boundary: boundary)
        } catch {
            throw APIError.invalidRequest("the multipart body needs the fields 'purpose' and 'file': \(error)", param: "file")
        }
    }

    /// The `filename` of the part named `file`, from its Content-Disposition header.
    static func filename(in body: Data) -> String? {
        // Headers are ASCII; look only at the start of the body, where the parts' headers are.
        let head = String(decoding: body.prefix(64 * 1024), as: UTF8.self)
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
            guard line.contains("name=\"file\""), let range = line.range(of: "filename=\"") else { continue }
            let name = line[range.upperBound...].prefix { $0 != "\"" }
            return name.isEmpty ? nil : String(name)
        }
        return nil
    }
}
