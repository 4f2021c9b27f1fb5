package io.dbrunbooks.starter.backup;

import io.dbrunbooks.workflows.backup.BackupMethod;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Accepts the methods as written in JSON input ({@code physical}, {@code logical}), any case. */
public final class MethodConverter implements ITypeConverter<BackupMethod> {
  @Override
  public BackupMethod convert(String value) {
    return switch (value.toLowerCase()) {
      case "physical" -> BackupMethod.PHYSICAL;
      case "logical" -> BackupMethod.LOGICAL;
      default -> throw new TypeConversionException("'" + value + "' is not a backup method: use physical or logical");
    };
  }
}
