# What DockerInstallTest asks Debian's Python about an install made by docker/install.sh, printed as flat
# "path=value" lines (lists indexed from 0) for the test to assert on:
#   docker_install.py yaml FILE             a YAML file (docker/compose.yaml), parsed by PyYAML
#   docker_install.py kernelspec NAME       the kernelspec jupyter_client's KernelSpecManager finds (JUPYTER_PATH)
#   docker_install.py config                jupyter_server_config and jupyter_notebook_config merged along the
#                                           Jupyter config path (JUPYTER_CONFIG_PATH), as a Jupyter app loads them
#   docker_install.py append-cell NB SOURCE appends a code cell to the notebook NB
import sys


def flat(value, path=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from flat(v, "%s.%s" % (path, k) if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from flat(v, "%s.%d" % (path, i))
    else:
        yield "%s=%s" % (path, "null" if value is None else value)


def main():
    what = sys.argv[1]
    if what == "yaml":
        import yaml
        with open(sys.argv[2]) as f:
            data = yaml.safe_load(f)
    elif what == "kernelspec":
        from jupyter_client.kernelspec import KernelSpecManager
        data = KernelSpecManager().get_all_specs()[sys.argv[2]]
    elif what == "config":
        from jupyter_core.paths import jupyter_config_path
        from traitlets.config.loader import Config, JSONFileConfigLoader, ConfigFileNotFound
        data = {}
        for name in ("jupyter_server_config", "jupyter_notebook_config"):
            merged = Config()
            for directory in reversed(jupyter_config_path()):  # lowest priority first, as traitlets loads them
                try:
                    merged.merge(JSONFileConfigLoader(name + ".json", path=directory).load_config())
                except ConfigFileNotFound:
                    pass
            data[name] = {section: dict(values) for section, values in merged.items()}
    elif what == "append-cell":
        import nbformat
        nb = nbformat.read(sys.argv[2], as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(sys.argv[3]))
        nbformat.write(nb, sys.argv[2])
        return
    else:
        sys.exit("unknown command " + what)
    for line in flat(data):
        print(line)


if __name__ == "__main__":
    main()
