import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

/** Deepest selection nesting accepted, introspection included (nested ofType chains are a known abuse). */
export const MAX_QUERY_DEPTH = 12;
/** Most field selections in one document (aliases make a short query select a field thousands of times). */
export const MAX_QUERY_FIELDS = 2000;

/**
 * A validation rule that refuses over-deep or oversize operations before they run, with
 * GRAPHQL_VALIDATION_FAILED and a message naming the limit.
 */
export function queryLimitsRule(maxDepth = MAX_QUERY_DEPTH, maxFields = MAX_QUERY_FIELDS) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION)
        fragments.set(definition.name.value, definition);
    }
    let fields = 0;
    const measure = (
      set: SelectionSetNode | undefined,
      depth: number,
      seen: Set<string>,
    ): number => {
      if (!set) return depth;
      let deepest = depth;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          fields++;
          deepest = Math.max(deepest, measure(selection.selectionSet, depth + 1, seen));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, measure(selection.selectionSet, depth, seen));
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (fragment && !seen.has(name)) {
            deepest = Math.max(
              deepest,
              measure(fragment.selectionSet, depth, new Set([...seen, name])),
            );
          }
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(operation) {
        fields = 0;
        const depth = measure(operation.selectionSet, 0, new Set());
        const name = operation.name ? `'${operation.name.value}' ` : '';
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(
              `operation ${name}exceeds maximum operation depth of ${maxDepth} (it is ${depth} deep)`,
              { nodes: [operation] },
            ),
          );
        }
        if (fields > maxFields) {
          context.reportError(
            new GraphQLError(
              `operation ${name}selects ${fields} fields; the limit is ${maxFields}`,
              { nodes: [operation] },
            ),
          );
        }
      },
    };
  };
}
