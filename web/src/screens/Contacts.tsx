import { t } from "../strings";

export function ContactsScreen() {
  return (
    <section class="page">
      <h1>{t.common.loading}</h1>
    </section>
  );
}
