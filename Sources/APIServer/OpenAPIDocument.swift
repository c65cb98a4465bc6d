import OpenAIAPI

/// The OpenAPI 3.0 description of the served API, at `GET /openapi.json`: every route, the
/// request bodies with their fields' types and ranges as the server checks them, and the
/// error object every 4xx carries. `model` is an enum of the one served model, so that a
/// client (or a fuzzer) generating requests from it reaches the generation path.
enum OpenAPIDocument {
    static func json(modelName: String) -> String {
        let model = JSONValue.quoted(modelName)
        return #"""
        {"openapi":"3.0.3","info":{"title":"ConServe","version":"1","description":"OpenAI-compatible API of conserve serve."},
        "paths":{
        "/health":{"get":{"operationId":"health","responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"object"}}}}}}},
        "/metrics":{"get":{"operationId":"metrics","responses":{"200":{"description":"Prometheus text","content":{"text/plain":{"schema":{"type":"string"}}}}}}},
        "/v1/models":{"get":{"operationId":"listModels","responses":{"200":{"description":"the served model","content":{"application/json":{"schema":{"type":"object"}}}}}}},
        "/v1/models/{model}":{"get":{"operationId":"retrieveModel","parameters":[{"name":"model","in":"path","required":true,"schema":{"type":"string"}}],
          "responses":{"200":{"description":"the model","content":{"application/json":{"schema":{"type":"object"}}}},"404":{"$ref":"#/components/responses/Error"}}}},
        "/v1/chat/completions":{"post":{"operationId":"createChatCompletion",
          "requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/ChatCompletionRequest"}}}},
          "responses":{"200":{"description":"a chat.completion, or chat.completion.chunk events when streaming","content":{"application/json":{"schema":{"type":"object"}},"text/event-stream":{"schema":{"type":"string"}}}},
            "400":{"$ref":"#/components/responses/Error"},"404":{"$ref":"#/components/responses/Error"},"413":{"$ref":"#/components/responses/Error"},"429":{"$ref":"#/components/responses/Error"}}}},
        "/v1/completions":{"post":{"operationId":"createCompletion",
          "requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/CompletionRequest"}}}},
          "responses":{"200":{"description":"a text_completion, or its events when streaming","content":{"application/json":{"schema":{"type":"object"}},"text/event-stream":{"schema":{"type":"string"}}}},
            "400":{"$ref":"#/components/responses/Error"},"404":{"$ref":"#/components/responses/Error"},"413":{"$ref":"#/components/responses/Error"},"429":{"$ref":"#/components/responses/Error"}}}},
        "/v1/files":{"get":{"operationId":"listFiles","responses":{"200":{"description":"files","content":{"application/json":{"schema":{"type":"object"}}}}}},
          "post":{"operationId":"createFile","requestBody":{"required":true,"content":{"multipart/form-data":{"schema":{"type":"object","required":["file","purpose"],
            "properties":{"file":{"type":"string","format":"binary"},"purpose":{"type":"string","enum":["batch"]}}}}}},
            "responses":{"200":{"description":"the file","content":{"application/json":{"schema":{"type":"object"}}}},"400":{"$ref":"#/components/responses/Error"}}}},
        "/v1/files/{file_id}":{"parameters":[{"name":"file_id","in":"path","required":true,"schema":{"type":"string"}}],
          "get":{"operationId":"retrieveFile","responses":{"200":{"description":"the file","content":{"application/json":{"schema":{"type":"object"}}}},"404":{"$ref":"#/components/responses/Error"}}},
          "delete":{"operationId":"deleteFile","responses":{"200":{"description":"deleted","content":{"application/json":{"schema":{"type":"object"}}}},"404":{"$ref":"#/components/responses/Error"}}}},
        "/v1/files/{file_id}/content":{"get":{"operationId":"downloadFile","parameters":[{"name":"file_id","in":"path","required":true,"schema":{"type":"string"}}],
          "responses":{"200":{"description":"the file's bytes","content":{"application/octet-stream":{"schema":{"type":"string"}}}},"404":{"$ref":"#/components/responses/Error"}}}},
        "/v1/batches":{"get":{"operationId":"listBatches","responses":{"200":{"description":"batches","content":{"application/json":{"schema":{"type":"object"}}}}}},
          "post":{"operationId":"createBatch","requestBody":{"required":true,"content":{"application/json":{"schema":{"type":"object","additionalProperties":false,
            "required":["input_file_id","endpoint","completion_window"],"properties":{"input_file_id":{"type":"string"},
            "endpoint":{"type":"string","enum":["/v1/chat/completions","/v1/completions"]},"completion_window":{"type":"string","enum":["24h"]},
            "metadata":{"type":"object","nullable":true,"additionalProperties":{"type":"string","maxLength":512}}}}}}},
            "responses":{"200":{"description":"the batch","content":{"application/json":{"schema":{"type":"object"}}}},"400":{"$ref":"#/components/responses/Error"},"404":{"$ref":"#/components/responses/Error"}}}},
        "/v1/batches/{batch_id}":{"get":{"operationId":"retrieveBatch","parameters":[{"name":"batch_id","in":"path","required":true,"schema":{"type":"string"}}],
          "responses":{"200":{"description":"the batch","content":{"application/json":{"schema":{"type":"object"}}}},"404":{"$ref":"#/components/responses/Error"}}}},
        "/v1/batches/{batch_id}/cancel":{"post":{"operationId":"cancelBatch","parameters":[{"name":"batch_id","in":"path","required":true,"schema":{"type":"string"}}],
          "responses":{"200":{"description":"the batch","content":{"application/json":{"schema":{"type":"object"}}}},"404":{"$ref":"#/components/responses/Error"},"409":{"$ref":"#/components/responses/Error"}}}}
        },
        "components":{
        "responses":{"Error":{"description":"an OpenAI error object","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}},
        "schemas":{
        "Error":{"type":"object","required":["error"],"properties":{"error":{"type":"object","required":["message","type"],
          "properties":{"message":{"type":"string"},"type":{"type":"string"},"param":{"type":"string","nullable":true},"code":{"type":"string","nullable":true}}}}},
        "Message":{"type":"object","required":["role","content"],"properties":{"role":{"type":"string","enum":["system","developer","user","assistant","tool"]},
          "content":{"oneOf":[{"type":"string"},{"type":"array","items":{"type":"object","required":["type","text"],"properties":{"type":{"type":"string","enum":["text"]},"text":{"type":"string"}}}}]},
          "name":{"type":"string"},"tool_call_id":{"type":"string"}}},
        "ResponseFormat":{"type":"object","required":["type"],"properties":{"type":{"type":"string","enum":["text","json_object","json_schema"]},
          "json_schema":{"type":"object","required":["name","schema"],"properties":{"name":{"type":"string","pattern":"^[A-Za-z0-9_-]{1,64}$"},
            "description":{"type":"string"},"schema":{"type":"object"},"strict":{"type":"boolean"}}}}},
        "Tool":{"type":"object","required":["type","function"],"properties":{"type":{"type":"string","enum":["function"]},
          "function":{"type":"object","required":["name"],"properties":{"name":{"type":"string","pattern":"^[A-Za-z0-9_-]{1,64}$"},
            "description":{"type":"string"},"parameters":{"type":"object"},"strict":{"type":"boolean"}}}}},
        "Sampling":{"type":"object","properties":{
          "model":{"type":"string","enum":[\#(model)]},
          "temperature":{"type":"number","minimum":0,"maximum":2},"top_p":{"type":"number","minimum":0,"exclusiveMinimum":true,"maximum":1},
          "n":{"type":"integer","minimum":1,"maximum":16},"stream":{"type":"boolean"},
          "stream_options":{"type":"object","properties":{"include_usage":{"type":"boolean"}}},
          "stop":{"oneOf":[{"type":"string"},{"type":"array","maxItems":4,"items":{"type":"string"}}]},"seed":{"type":"integer"},
          "presence_penalty":{"type":"number","minimum":-2,"maximum":2},"frequency_penalty":{"type":"number","minimum":-2,"maximum":2},
          "user":{"type":"string"},"service_tier":{"type":"string","enum":["auto","default","flex"]},
          "slo_ttft_ms":{"type":"number","minimum":0,"exclusiveMinimum":true},"slo_tpot_ms":{"type":"number","minimum":0,"exclusiveMinimum":true},
          "ignore_eos":{"type":"boolean"},"min_tokens":{"type":"integer","minimum":0},
          "logit_bias":{"type":"object","additionalProperties":{"type":"number","minimum":-100,"maximum":100}},
          "response_format":{"$ref":"#/components/schemas/ResponseFormat"},"priority":{"type":"integer"}}},
        "ChatCompletionRequest":{"allOf":[{"$ref":"#/components/schemas/Sampling"},{"type":"object","required":["model","messages"],"properties":{
          "messages":{"type":"array","minItems":1,"items":{"$ref":"#/components/schemas/Message"}},
          "max_tokens":{"type":"integer","minimum":1},"max_completion_tokens":{"type":"integer","minimum":1},
          "logprobs":{"type":"boolean"},"top_logprobs":{"type":"integer","minimum":0,"maximum":20},
          "tools":{"type":"array","items":{"$ref":"#/components/schemas/Tool"}},
          "tool_choice":{"oneOf":[{"type":"string","enum":["none","auto","required"]},{"type":"object","required":["type","function"],
            "properties":{"type":{"type":"string","enum":["function"]},"function":{"type":"object","required":["name"],"properties":{"name":{"type":"string"}}}}}]},
          "parallel_tool_calls":{"type":"boolean"}}}]},
        "CompletionRequest":{"allOf":[{"$ref":"#/components/schemas/Sampling"},{"type":"object","required":["model","prompt"],"properties":{
          "prompt":{"oneOf":[{"type":"string"},{"type":"array","minItems":1,"items":{"type":"integer","minimum":0}},
            {"type":"array","minItems":1,"maxItems":1,"items":{"type":"string"}}]},
          "max_tokens":{"type":"integer","minimum":0},"logprobs":{"type":"integer","minimum":0,"maximum":5},"echo":{"type":"boolean"}}}]}
        }}}
        """#
    }
}
