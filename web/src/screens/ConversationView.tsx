export function ConversationView({ id }: { id: string }) {
  return <section class="conversation" data-id={id} />;
}
