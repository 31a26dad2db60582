"""compose images: the images the project's containers use."""


def add_arguments(parser) -> None:
    parser.add_argument("services", nargs="*", metavar="SERVICE")
    parser.add_argument("-q", "--quiet", action="store_true", help="only display IDs")


def run(args) -> int:
    from composer.cli import output
    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.cli.image_cmd import print_images

    project = load_project(args)
    store = open_driver().images
    images = {}
    for name, service in project.services.items():
        if args.services and name not in args.services:
            continue
        image = store.get(service.image or f"{project.name}-{name}")
        if image is not None:
            images[image.ref] = image
    if args.quiet:
        for image in images.values():
            output.line(image.id)
    else:
        print_images(images.values())
    return 0
