# Packer template: bakes a Debian 12 AMI with nodeagent installed and enabled. Every instance launched from it
# configures itself from its user-data (install/cloud-init/*.mime, docs/user-data.md).
#
#   install/publish.sh build/nodeagent      (the one publish: install.sh and the benches use it too)
#   packer init install/packer && packer build -var region=eu-west-1 install/packer
#
# Documented and validated by hand only: it has not been run against AWS from this repository's CI.

packer {
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = ">= 1.3.0"
    }
  }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "instance_type" {
  type    = string
  default = "t3.small"
}

variable "build_dir" {
  type        = string
  default     = "build/nodeagent"
  description = "The output of install/publish.sh: nodeagent (self-contained, ReadyToRun) and nodeagent-wal-push."
}

variable "version" {
  type    = string
  default = "0.1.0"
}

source "amazon-ebs" "debian12" {
  region        = var.region
  instance_type = var.instance_type
  ssh_username  = "admin"
  ami_name      = "nodeagent-${var.version}-debian12-{{timestamp}}"

  source_ami_filter {
    filters = {
      name                = "debian-12-amd64-*"
      architecture        = "x86_64"
      virtualization-type = "hvm"
      root-device-type    = "ebs"
    }
    owners      = ["136693071363"] # Debian
    most_recent = true
  }

  # IMDSv2 only, as the agent expects.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
  imds_support = "v2.0"

  tags = {
    Name              = "nodeagent-${var.version}"
    nodeagent_version = var.version
  }
}

build {
  sources = ["source.amazon-ebs.debian12"]

  # The role's software. Which of it runs is decided per instance by user-data; the image carries all of it.
  provisioner "shell" {
    inline = [
      "sudo apt-get update -qq",
      "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy nginx-light postgresql-15 mariadb-server subversion git zstd",
      "sudo systemctl disable --now haproxy nginx postgresql mariadb",
    ]
  }

  provisioner "file" {
    source      = var.build_dir
    destination = "/tmp/nodeagent"
  }

  provisioner "file" {
    source      = "install"
    destination = "/tmp/nodeagent-install"
  }

  provisioner "file" {
    source      = "docs"
    destination = "/tmp/docs"
  }

  provisioner "shell" {
    inline = [
      "sudo bash /tmp/nodeagent-install/install.sh --from /tmp/nodeagent",
      # The image must not carry node-local state or cloud-init's record of this build instance.
      "sudo rm -rf /var/lib/nodeagent/* /tmp/nodeagent /tmp/nodeagent-install /tmp/docs",
      "sudo cloud-init clean --logs",
    ]
  }
}
