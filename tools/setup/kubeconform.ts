/**
 * kubeconform and the Kubernetes JSON schemas it validates infra/k8s/ against, provisioned once per
 * version into the infrastructure cache (`${AAP_INFRA_CACHE:-~/.cache/aap-infra}/kubeconform-<v>`), the way
 * Kafka and FerretDB are, so a clean clone (CI) gets them from the registries and validates offline:
 * - the binary from the Go module proxy (`go install github.com/yannh/kubeconform/cmd/kubeconform@<v>`);
 * - the schemas from the PyPI package kubernetes-validate, which ships them per Kubernetes version
 *   (kubeconform's own default, a GitHub repository, is not reachable from here). Its "local" schemas
 *   refer to one `_definitions.json` by an absolute `$id`/`$ref` (`https://kubernetes.io/api/…`) that its
 *   Python loader maps; we make those references relative to the file, so kubeconform's loader finds them
 *   beside it.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildAtomically, cacheRoot, requireGo, run } from '@aap/local-infra';

export const KUBECONFORM_VERSION = 'v0.7.0';
/** The PyPI package carrying the schemas, and the Kubernetes version validated against. */
export const KUBERNETES_SCHEMAS_PACKAGE = 'kubernetes-validate==1.37.0';
export const KUBERNETES_VERSION = '1.33.0';

export interface Kubeconform {
  binary: string;
  /** Arguments that make it validate strictly, offline, against the provisioned schemas. */
  args: string[];
}

const SCHEMA_FOLDER = `v${KUBERNETES_VERSION}-local-strict`;

export async function provisionKubeconform(log: (line: string) => void = console.log): Promise<Kubeconform> {
  const home = join(cacheRoot(), `kubeconform-${KUBECONFORM_VERSION}-schemas-${KUBERNETES_VERSION}`);
  const binary = join(home, 'bin', 'kubeconform');
  const done = await readFile(join(home, 'schemas', SCHEMA_FOLDER, 'deployment-apps-v1.json')).then(() => true, () => false);
  if (!done) {
    log(`kubeconform ${KUBECONFORM_VERSION} (Go module proxy) and the Kubernetes ${KUBERNETES_VERSION} schemas (PyPI ${KUBERNETES_SCHEMAS_PACKAGE}) into ${home} (once)`);
    await buildAtomically(home, async (staging) => {
      const env = { ...process.env, GOBIN: join(staging, 'bin'), GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOWORK: 'off' };
      await run(requireGo(), ['install', `github.com/yannh/kubeconform/cmd/kubeconform@${KUBECONFORM_VERSION}`], { cwd: staging, env });
      await run('python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-d', join(staging, 'wheel'), KUBERNETES_SCHEMAS_PACKAGE], { cwd: staging });
      // Only the one version's schemas out of the wheel (a zip); the wheel itself is dropped.
      await run('python3', ['-c', EXTRACT_SCHEMAS, join(staging, 'wheel'), `kubernetes_validate/kubernetes-json-schema/${SCHEMA_FOLDER}/`, join(staging, 'schemas', SCHEMA_FOLDER)]);
      await run('rm', ['-rf', join(staging, 'wheel')]);
      await relativeReferences(join(staging, 'schemas', SCHEMA_FOLDER));
    });
  }
  return {
    binary,
    args: [
      '-strict',
      '-kubernetes-version', KUBERNETES_VERSION,
      // A local template only: nothing is fetched from the network.
      '-schema-location', join(home, 'schemas', '{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}', '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
    ],
  };
}

const EXTRACT_SCHEMAS = `
import os, sys, zipfile
wheels, prefix, target = sys.argv[1:]
[wheel] = [os.path.join(wheels, name) for name in os.listdir(wheels) if name.endswith('.whl')]
os.makedirs(target)
with zipfile.ZipFile(wheel) as archive:
    members = [name for name in archive.namelist() if name.startswith(prefix) and name.endswith('.json')]
    if not members: sys.exit('no schemas under ' + prefix + ' in ' + wheel)
    for name in members:
        with open(os.path.join(target, name[len(prefix):]), 'wb') as out: out.write(archive.read(name))
`;

async function relativeReferences(folder: string): Promise<void> {
  for (const file of await readdir(folder)) {
    const schema = JSON.parse(await readFile(join(folder, file), 'utf8')) as Record<string, unknown>;
    delete schema.$id; // the file's own location becomes the base of its references
    await writeFile(join(folder, file), JSON.stringify(schema).replaceAll('"/api/_definitions.json#', '"_definitions.json#'));
  }
}
