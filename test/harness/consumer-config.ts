// Builds the consumer configs that e2e tests run, with CircleCI's own config SDK, from the packed orb's interface.
import CircleCI from '@circleci/circleci-config-sdk';
import { parse } from 'yaml';

type Literal = 'string' | 'boolean' | 'integer' | 'enum' | 'executor' | 'steps' | 'env_var_name';
/** A step of the consumer job: an orb command with parameters, a plain run, or CircleCI's setup_remote_docker. */
export type ConsumerStep = { orb: string; params?: Record<string, string | number | boolean> } | { run: string; name: string } | { setupRemoteDocker: true };

/** The orb import, with the command signatures read from the packed orb (so a typo is caught by the SDK). */
function orbImport(packedOrb: string): InstanceType<typeof CircleCI.orb.OrbImport> {
  const orb = parse(packedOrb) as { commands?: Record<string, { parameters?: Record<string, { type: Literal }> }> };
  const commands: Record<string, Record<string, Literal>> = {};
  for (const [name, cmd] of Object.entries(orb.commands ?? {})) {
    commands[name] = Object.fromEntries(Object.entries(cmd.parameters ?? {}).map(([p, d]) => [p, d.type]));
  }
  // The SDK's manifest type is narrower than what it accepts at run time.
  return new CircleCI.orb.OrbImport('aws-oidc', 'aws-oidc', 'aws-oidc', '0.1.0', undefined,
    { jobs: {}, executors: {}, commands } as unknown as ConstructorParameters<typeof CircleCI.orb.OrbImport>[5]);
}

/** A config with one job `deploy` (docker executor) whose steps are `steps`, in a workflow `main`. */
export function consumerConfig(packedOrb: string, steps: ConsumerStep[]): string {
  const orb = orbImport(packedOrb);
  const cfg = new CircleCI.Config();
  cfg.importOrb(orb);
  const built = steps.map((s) => {
    if ('run' in s) return new CircleCI.commands.Run({ name: s.name, command: s.run });
    if ('setupRemoteDocker' in s) return new CircleCI.commands.SetupRemoteDocker({ version: 'default' });
    const ref = orb.commands[s.orb];
    if (!ref) throw new Error(`the packed orb has no command ${s.orb}`);
    return new CircleCI.reusable.ReusedCommand(ref, s.params ?? {});
  });
  const job = new CircleCI.Job('deploy', new CircleCI.executors.DockerExecutor('cimg/node:lts'), [new CircleCI.commands.Checkout(), ...built]);
  cfg.addJob(job);
  cfg.addWorkflow(new CircleCI.Workflow('main', [job]));
  return cfg.stringify();
}

/**
 * A run step `name` that builds a unique FROM scratch image as $<registryVar>/<repo>:$CIRCLE_SHA1 (classic
 * builder) and pushes it, printing `image-id <sha256:...>`; the e2e tests push with it through ecr-login's logins.
 */
export function pushScratchImageStep(name: string, registryVar: string, repo: string): ConsumerStep {
  return {
    name,
    run: [
      'set -eu',
      `ctx=$(mktemp -d); date +%s%N > "$ctx/stamp"; printf 'FROM scratch\\nCOPY stamp /stamp\\n' > "$ctx/Dockerfile"`,
      `img="$${registryVar}/${repo}:$CIRCLE_SHA1"`,
      'DOCKER_BUILDKIT=0 docker build -q -t "$img" "$ctx" >/dev/null',
      'docker push "$img" >/dev/null',
      'echo "image-id $(docker image inspect --format "{{.Id}}" "$img")"',
    ].join('\n'),
  };
}
