// OpenAPI documents for the tests: the Swagger 2.0 Petstore (trimmed, its shape kept: host +
// basePath + schemes, $refs to definitions and parameters, an apiKey scheme, a form and a file
// upload) and an OpenAPI 3.1 document that puts parameters in every location and style.

/** Swagger 2.0 Petstore whose API is at `host` (e.g. 127.0.0.1:1234) under /v2. */
export function petstore(host: string): Record<string, unknown> {
  return {
    swagger: '2.0',
    info: { title: 'Swagger Petstore', version: '1.0.7' },
    host,
    basePath: '/v2',
    schemes: ['https', 'http'],
    paths: {
      '/pet': {
        post: {
          operationId: 'addPet',
          consumes: ['application/json', 'application/xml'],
          produces: ['application/json', 'application/xml'],
          parameters: [{ in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/Pet' } }],
          responses: { 200: { description: 'ok', schema: { $ref: '#/definitions/Pet' } } },
        },
      },
      '/pet/findByStatus': {
        get: {
          operationId: 'findPetsByStatus',
          produces: ['application/xml', 'application/json'],
          parameters: [{ name: 'status', in: 'query', required: true, type: 'array', items: { type: 'string', enum: ['available', 'pending', 'sold'] }, collectionFormat: 'multi' }],
          responses: { 200: { description: 'ok', schema: { type: 'array', items: { $ref: '#/definitions/Pet' } } } },
        },
      },
      '/pet/findByTags': {
        get: {
          operationId: 'findPetsByTags',
          parameters: [{ name: 'tags', in: 'query', required: true, type: 'array', items: { type: 'string' } }],
          responses: { 200: { description: 'ok' } },
        },
      },
      '/pet/{petId}': {
        parameters: [{ $ref: '#/parameters/petId' }],
        get: {
          operationId: 'getPetById',
          produces: ['application/json'],
          responses: { 200: { description: 'ok', schema: { $ref: '#/definitions/Pet' } } },
          security: [{ api_key: [] }],
        },
        post: {
          operationId: 'updatePetWithForm',
          consumes: ['application/x-www-form-urlencoded'],
          parameters: [
            { name: 'name', in: 'formData', required: false, type: 'string' },
            { name: 'status', in: 'formData', required: false, type: 'string' },
          ],
          responses: { 200: { description: 'ok' } },
        },
        delete: {
          operationId: 'deletePet',
          parameters: [{ name: 'api_key', in: 'header', required: false, type: 'string' }],
          responses: { 200: { description: 'ok' } },
        },
      },
      '/pet/{petId}/uploadImage': {
        post: {
          operationId: 'uploadFile',
          consumes: ['multipart/form-data'],
          parameters: [
            { name: 'petId', in: 'path', required: true, type: 'integer' },
            { name: 'file', in: 'formData', required: false, type: 'file' },
          ],
          responses: { 200: { description: 'ok' } },
        },
      },
    },
    parameters: { petId: { name: 'petId', in: 'path', required: true, type: 'integer', format: 'int64' } },
    securityDefinitions: { api_key: { type: 'apiKey', name: 'api_key', in: 'header' } },
    definitions: {
      Category: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } },
      Pet: {
        type: 'object',
        required: ['name', 'photoUrls'],
        properties: {
          id: { type: 'integer', format: 'int64' },
          category: { $ref: '#/definitions/Category' },
          name: { type: 'string' },
          photoUrls: { type: 'array', items: { type: 'string' } },
          status: { type: 'string', enum: ['available', 'pending', 'sold'] },
        },
      },
    },
  };
}

/** OpenAPI 3.1 document; `server` is its servers[0].url (absolute, relative, or with variables). */
export function rooms(server: string, variables?: Record<string, { default: string }>): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Rooms', version: '1.0.0' },
    servers: [{ url: server, ...(variables ? { variables } : {}) }],
    paths: {
      '/rooms/{roomId}/readings': {
        parameters: [{ $ref: '#/components/parameters/roomId' }],
        post: {
          operationId: 'logreading',
          parameters: [
            { name: 'unit', in: 'query', schema: { type: 'string' } },
            { name: 'sensors', in: 'query', schema: { type: 'array', items: { type: 'string' } } },
            { name: 'filter', in: 'query', style: 'deepObject', explode: true, schema: { type: 'object' } },
            { name: 'ids', in: 'query', style: 'pipeDelimited', explode: false, schema: { type: 'array', items: { type: 'integer' } } },
            { name: 'X-Trace', in: 'header', schema: { type: 'string' } },
            { name: 'session', in: 'cookie', schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Reading' } } } },
          responses: { 201: { description: 'logged', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
      '/reports{format}': {
        get: {
          operationId: 'produceReport',
          parameters: [{ name: 'format', in: 'path', required: true, style: 'label', schema: { type: 'string' } }],
          responses: { 200: { description: 'the report', content: { 'application/json': {} } } },
        },
      },
      '/coordinates/{point}': {
        get: {
          operationId: 'locate',
          parameters: [{ name: 'point', in: 'path', required: true, style: 'matrix', explode: true, schema: { type: 'object' } }],
          responses: { 200: { description: 'ok' } },
        },
      },
      '/notes': {
        put: {
          operationId: 'replaceNotes',
          requestBody: { content: { 'text/plain': { schema: { type: 'string' } } } },
          responses: { 204: { description: 'replaced' } },
        },
      },
    },
    components: {
      parameters: { roomId: { name: 'roomId', in: 'path', required: true, schema: { type: 'string' } } },
      schemas: {
        Reading: { type: 'object', required: ['temperature'], properties: { temperature: { type: 'number' }, humidity: { type: 'number' }, parent: { $ref: '#/components/schemas/Reading' } } },
      },
    },
  };
}
