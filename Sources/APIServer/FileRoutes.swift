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
        let bytes = [UInt8](body)
        guard headerNamesAreASCII(bytes, boundary: boundary) else {
            throw APIError.invalidRequest("a part of the multipart body has a header name that is not ASCII", param: "file")
        }
        do {
            return try FormDataDecoder().decode(Upload.self, from: bytes, boundary: boundary)
        } catch {
            throw APIError.invalidRequest("the multipart body needs the fields 'purpose' and 'file': \(error)", param: "file")
        }
    }

    /// Whether every header name of every part is ASCII. MultipartKit's parser traps on a
    /// header-name byte of 128 or more (it indexes a 128-entry table with it), so such a body
    /// must be refused before it gets there (found by the schemathesis fuzz run). Names are
    /// what a header line holds before its colon; a part whose headers never end (no blank line)
    /// is read as headers to its end.
    static func headerNamesAreASCII(_ body: [UInt8], boundary: String) -> Bool {
        let delimiter = Array(("--" + boundary).utf8)
        guard !delimiter.isEmpty else { return true }
        var index = 0
        while let start = firstIndex(of: delimiter, in: body, from: index) {
            var i = start + delimiter.count
            // The rest of the delimiter line, then header lines until an empty one.
            while i < body.count, body[i] != 0x0A { i += 1 }
            i += 1
            var inName = true
            var lineLength = 0
            while i < body.count {
                let byte = body[i]
                if byte == 0x0A {
                    if lineLength <= 1 { break } // "\r\n" alone: the headers end
                    inName = true
                    lineLength = 0
                } else {
                    lineLength += 1
                    if byte == UInt8(ascii: ":") { inName = false }
                    if inName && byte >= 0x80 { return false }
                }
                i += 1
            }
            index = max(i, start + delimiter.count)
        }
        return true
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = start
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] && haystack[i ..< i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
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
