"""The App's side of GitHub: an installation client, the snapshot gatherer and the publisher."""
