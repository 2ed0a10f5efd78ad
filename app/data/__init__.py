"""Read models of the app's pages: one function per question a page asks of the store."""
