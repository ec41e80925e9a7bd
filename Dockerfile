# The alarm-digest image: one jar, every role (processor, bridge, standalone, publish, watch).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -q -B -DskipTests package

FROM eclipse-temurin:17-jre
# curl serves the container healthchecks (/ready).
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
RUN useradd --system --create-home --home-dir /var/lib/alarm-digest alarm-digest
COPY --from=build /src/app/target/alarm-digest.jar /opt/alarm-digest/alarm-digest.jar
USER alarm-digest
WORKDIR /var/lib/alarm-digest
EXPOSE 9400
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/alarm-digest/alarm-digest.jar"]
CMD ["--help"]
