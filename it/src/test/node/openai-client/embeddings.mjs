// Calls the gateway's OpenAI-compatible /v1/embeddings with the official OpenAI Node client, as a developer would,
// and prints what the client returned as one JSON object on stdout (read by it/.../OpenAiClientIT).
//
//   INFERMESH_GATEWAY=http://127.0.0.1:PORT INFERMESH_API_KEY=im_live_... INFERMESH_MODEL=org/name:tag \
//     node embeddings.mjs
//
// Cases: a string input and an array input (with dimensions and user) with the client's defaults (it asks for base64 and decodes the vectors
// itself), encoding_format "float" (plain JSON numbers), encoding_format "base64" (the client hands back the string),
// and two refusals the client must turn into an APIError: an unknown model and a bad API key. Then models.list() and
// models.retrieve().
import OpenAI from 'openai';
import { VERSION } from 'openai/version';

const gateway = required('INFERMESH_GATEWAY');
const apiKey = required('INFERMESH_API_KEY');
const model = required('INFERMESH_MODEL');

function required(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`embeddings.mjs: set ${name}`);
    process.exit(2);
  }
  return v;
}

// No retries: a refusal must show as it was answered, not after the client's back-off.
const client = new OpenAI({ baseURL: `${gateway}/v1`, apiKey, maxRetries: 0, timeout: 60_000 });

function summary(response) {
  return {
    object: response.object,
    model: response.model,
    usage: response.usage,
    data: response.data.map((d) => ({ object: d.object, index: d.index, embedding: d.embedding })),
  };
}

async function refusal(call) {
  try {
    await call();
    return { thrown: false };
  } catch (e) {
    return {
      thrown: true,
      isApiError: e instanceof OpenAI.APIError,
      className: e.constructor.name,
      status: e.status,
      code: e.code,
      type: e.type,
      message: e.message,
      errorMessage: e.error?.message,
      requestId: e.requestID,
    };
  }
}

const out = {
  client: VERSION,
  string: summary(await client.embeddings.create({ model, input: 'A man is playing a guitar.' })),
  array: summary(
    // dimensions equal to the model's and user are accepted (the model cannot shorten its vectors; user is ignored)
    await client.embeddings.create({
      model,
      input: ['A man is playing a guitar.', 'Someone plays music.'],
      dimensions: 384,
      user: 'openai-client-it',
    }),
  ),
  float: summary(await client.embeddings.create({ model, input: 'A man is playing a guitar.', encoding_format: 'float' })),
  base64: summary(
    await client.embeddings.create({ model, input: 'A man is playing a guitar.', encoding_format: 'base64' }),
  ),
  unknownModel: await refusal(() =>
    client.embeddings.create({ model: `${model.split('/')[0]}/no-such-model`, input: 'hello' }),
  ),
  badKey: await refusal(() =>
    new OpenAI({ baseURL: `${gateway}/v1`, apiKey: 'im_live_not-a-key', maxRetries: 0 }).embeddings.create({
      model,
      input: 'hello',
    }),
  ),
};
// The model list and one model, as tools that discover models call them (GET /v1/models, GET /v1/models/{id} with
// the id's slash percent-encoded by the client).
const listed = [];
for await (const m of client.models.list()) {
  listed.push({ id: m.id, object: m.object, created: m.created, owned_by: m.owned_by });
}
out.models = listed;
const retrieved = await client.models.retrieve(model);
out.retrieved = { id: retrieved.id, object: retrieved.object, created: retrieved.created, owned_by: retrieved.owned_by };
out.unknownRetrieve = await refusal(() => client.models.retrieve(`${model.split('/')[0]}/no-such-model`));
process.stdout.write(JSON.stringify(out) + '\n');
