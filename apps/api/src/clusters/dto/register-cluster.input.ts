import { Field, InputType } from '@nestjs/graphql';

@InputType({
  description: 'A cluster to register: a name and a kubeconfig with inline credentials.',
})
export class RegisterClusterInput {
  @Field({ description: 'A DNS-1123 label, unique in the fleet (e.g. east).' })
  name!: string;

  @Field({
    description:
      'The kubeconfig YAML: current context, server URL and inline credentials (token, client certificate data, or basic auth). Stored encrypted; never returned or logged.',
  })
  kubeconfig!: string;
}
